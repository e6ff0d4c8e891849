package dev.meridian.config;


/**
 * A place on Earth in degrees (WGS 84), used to rank regions by great-circle distance from the
 * client.
 *
 * @param lat latitude, -90..90, north positive
 * @param lon longitude, -180..180, east positive
 */
public record GeoPoint(double lat, double lon) {

    public GeoPoint {
        if (!(lat >= -90 && lat <= 90)) { // also rejects NaN
            throw new IllegalArgumentException("lat: " + lat + " (expected: -90..90)");
        }
        if (!(lon >= -180 && lon <= 180)) {
            throw new IllegalArgumentException("lon: " + lon + " (expected: -180..180)");
        }
    }
}
