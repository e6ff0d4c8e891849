package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.GeoConfig;
import dev.meridian.config.syntax.InetLiteral;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Finds the client's address: the socket peer, unless the peer is a trusted proxy, in which case
 * the right-most address of the forwarding chain that is not itself a trusted proxy.
 *
 * <p>Only the hops that trusted proxies appended can be believed: everything to the left of the
 * first untrusted hop was written by that untrusted party and may be forged, so the walk goes from
 * the right and stops there. A malformed hop ends the walk as well, and the last trusted address
 * reached is used. {@code Forwarded} (RFC 7239) is preferred over {@code X-Forwarded-For} when a
 * request carries both.
 */
public final class ClientAddressResolver {

    /**
     * Bound on hops examined from the right, against header bombs (the header block itself is
     * bounded by {@code server.max-header-size}).
     */
    private static final int MAX_HOPS = 32;

    private final GeoConfig geo;

    public ClientAddressResolver(GeoConfig geo) {
        this.geo = requireNonNull(geo, "geo");
    }

    /** Whether {@code peer}'s forwarding and location headers are believed. */
    public boolean isTrusted(InetAddress peer) {
        return geo.isTrustedProxy(peer);
    }

    /**
     * The client address for a request from {@code peer}.
     *
     * @param forwarded the values of the {@code Forwarded} headers, in order (may be empty)
     * @param forwardedFor the values of the {@code X-Forwarded-For} headers, in order (may be empty)
     */
    public InetAddress resolve(InetAddress peer, List<String> forwarded, List<String> forwardedFor) {
        if (!geo.isTrustedProxy(peer)) {
            return peer;
        }
        List<String> hops = !forwarded.isEmpty() ? forwardedHops(forwarded) : splitHops(forwardedFor);
        InetAddress client = peer;
        for (int i = hops.size() - 1, seen = 0; i >= 0 && seen < MAX_HOPS; i--, seen++) {
            InetAddress hop = InetLiteral.parseHost(hops.get(i));
            if (hop == null) {
                return client;
            }
            client = hop;
            if (!geo.isTrustedProxy(hop)) {
                return hop;
            }
        }
        return client;
    }

    private static List<String> splitHops(List<String> values) {
        List<String> hops = new ArrayList<>(4);
        for (String value : values) {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        }
        return hops;
    }

    /** The {@code for=} values of RFC 7239 elements, unquoted; an element without one counts as malformed. */
    private static List<String> forwardedHops(List<String> values) {
        List<String> hops = new ArrayList<>(4);
        for (String value : values) {
            for (String element : value.split(",")) {
                hops.add(forValue(element));
            }
        }
        return hops;
    }

    private static String forValue(String element) {
        for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                return unquote(pair.substring(eq + 1).trim());
            }
        }
        return "";
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    /** The first parseable {@code lat,lon} among {@code values}, or {@code null}. */
    public static @Nullable ClientLocation firstLocation(List<String> values) {
        for (String value : values) {
            ClientLocation location = ClientLocation.parseHeader(value);
            if (location != null) {
                return location;
            }
        }
        return null;
    }
}
