package dev.meridian.regions;

import dev.meridian.config.GeoPoint;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * Where a client is, as far as Meridian can tell, and how that was learned. A location is only
 * ever an estimate (a GeoIP record is the centre of an area of tens to hundreds of kilometres);
 * it ranks regions, it never authorises anything. "Unknown" is a {@code null} location, so that
 * code which has one never has to ask whether it is real.
 *
 * @param lat latitude in degrees, -90..90, north positive
 * @param lon longitude in degrees, -180..180, east positive
 * @param source where the location came from, for the admin API's explanations and for metrics
 * @param countryIsoCode the ISO 3166-1 alpha-2 code of the country the client is in (GeoIP
 *     {@code country}, never the registered country of the address block), or {@code null}
 */
public record ClientLocation(double lat, double lon, Source source, @Nullable String countryIsoCode) {

    /** Where a location came from. */
    public enum Source {
        /** A location header sent by a trusted proxy (see {@code geo.location-headers}). */
        HEADER,
        /** The GeoIP database, from the client address. */
        GEOIP
    }

    /** Longest header value considered: {@code "-89.123456789012,-179.123456789012"} with spaces fits easily. */
    private static final int MAX_HEADER_LENGTH = 64;

    public ClientLocation {
        if (!(lat >= -90 && lat <= 90)) { // also refuses NaN
            throw new IllegalArgumentException("lat: " + lat + " (expected: -90..90)");
        }
        if (!(lon >= -180 && lon <= 180)) {
            throw new IllegalArgumentException("lon: " + lon + " (expected: -180..180)");
        }
        requireNonNull(source, "source");
    }

    /** The location as a configuration {@link GeoPoint}, for distance computations shared with region locations. */
    public GeoPoint point() {
        return new GeoPoint(lat, lon);
    }

    /**
     * Parses a trusted location header: {@code "lat,lon"} in decimal degrees, with optional spaces
     * or tabs around each number, e.g. {@code "51.51,-0.13"} or {@code " 51.51 , -0.13 "}.
     *
     * <p>Strict on purpose: a value that is not exactly two plain decimal numbers in range (no
     * exponent, no {@code NaN} or {@code Infinity}, no third part, no units) is ignored rather
     * than guessed at, and the caller falls back to the GeoIP lookup. Allocation-light and bounded:
     * it runs per request on an event loop.
     *
     * @return the location with source {@link Source#HEADER}, or {@code null} when the value is malformed or out of range
     */
    public static @Nullable ClientLocation parseHeader(String value) {
        requireNonNull(value, "value");
        if (value.length() > MAX_HEADER_LENGTH) {
            return null;
        }
        int comma = value.indexOf(',');
        if (comma < 0 || value.indexOf(',', comma + 1) >= 0) {
            return null;
        }
        double lat = parseDegrees(value, 0, comma);
        double lon = parseDegrees(value, comma + 1, value.length());
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) { // NaN marks a malformed part
            return null;
        }
        return new ClientLocation(lat, lon, Source.HEADER, null);
    }

    /** {@code [OWS] [+|-] digits [. digits] [OWS]} between {@code from} and {@code to}, or NaN when malformed. */
    private static double parseDegrees(String s, int from, int to) {
        int start = from;
        int end = to;
        while (start < end && isOws(s.charAt(start))) {
            start++;
        }
        while (end > start && isOws(s.charAt(end - 1))) {
            end--;
        }
        int i = start;
        if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < end && isDigit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        int fractionDigits = 0;
        if (i < end && s.charAt(i) == '.') {
            i++;
            while (i < end && isDigit(s.charAt(i))) {
                i++;
                fractionDigits++;
            }
            if (fractionDigits == 0) {
                return Double.NaN;
            }
        }
        if (i != end || intDigits == 0 || intDigits > 3) {
            return Double.NaN;
        }
        return Double.parseDouble(s.substring(start, end));
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
