package dev.meridian.regions;

/**
 * Great-circle distance on a spherical Earth (haversine). Good to about 0.5% against the
 * ellipsoid, which is far below what matters for ranking regions continents apart.
 */
public final class GreatCircle {

    /** Mean Earth radius (IUGG), km. */
    public static final double EARTH_RADIUS_KM = 6371.0088;

    /**
     * Round-trip time light needs per km of fibre, in ms: about 200 km per ms one way, so a
     * distance in km divided by 100 estimates a round trip in ms.
     */
    public static final double RTT_MS_PER_KM = 0.01;

    private GreatCircle() {}

    /** The distance in km between two points given in degrees. */
    public static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double phi1 = Math.toRadians(lat1);
        double phi2 = Math.toRadians(lat2);
        double dPhi = phi2 - phi1;
        double dLambda = Math.toRadians(lon2 - lon1);
        double sinPhi = Math.sin(dPhi / 2);
        double sinLambda = Math.sin(dLambda / 2);
        double a = sinPhi * sinPhi + Math.cos(phi1) * Math.cos(phi2) * sinLambda * sinLambda;
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1.0, Math.sqrt(a)));
    }
}
