package dev.meridian.regions;

import dev.meridian.config.GeoPoint;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.TimeoutConfig;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Region fixtures at real data-centre locations, with loopback endpoints that are never dialled. */
final class Regions {

    static final GeoPoint US_EAST4 = new GeoPoint(39.04, -77.49);      // Ashburn
    static final GeoPoint US_EAST1 = new GeoPoint(33.20, -80.01);      // Moncks Corner
    static final GeoPoint US_CENTRAL1 = new GeoPoint(41.26, -95.86);   // Council Bluffs
    static final GeoPoint EUROPE_WEST2 = new GeoPoint(51.51, -0.13);   // London
    static final GeoPoint ASIA_NORTHEAST1 = new GeoPoint(35.69, 139.69); // Tokyo

    static final ClientLocation PARIS = new ClientLocation(48.86, 2.35, ClientLocation.Source.GEOIP, "FR");
    static final ClientLocation NEW_YORK = new ClientLocation(40.71, -74.01, ClientLocation.Source.GEOIP, "US");
    static final ClientLocation OSAKA = new ClientLocation(34.69, 135.50, ClientLocation.Source.GEOIP, "JP");

    static final RouteConfig ROUTE = new RouteConfig("default", "/", TimeoutConfig.ofDefaults());

    private static int nextPort = 10_000;

    private Regions() {}

    static RegionConfig region(String name, GeoPoint location, int weight, int endpoints) {
        List<URI> uris = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            uris.add(URI.create("http://127.0.0.1:" + nextPort++));
        }
        return new RegionConfig(name, location, weight, uris);
    }

    static List<RegionConfig> threeContinents() {
        return List.of(
                region("us-east4", US_EAST4, 100, 2),
                region("europe-west2", EUROPE_WEST2, 100, 2),
                region("asia-northeast1", ASIA_NORTHEAST1, 100, 2));
    }

    static RoutingRequest from(ClientLocation location) {
        return new RoutingRequest(InetAddress.getLoopbackAddress(), location, ROUTE, null);
    }

    static RoutingRequest unknownLocation() {
        return new RoutingRequest(InetAddress.getLoopbackAddress(), null, ROUTE, null);
    }

    static RoutingRequest tenant(ClientLocation location, String tenant) {
        return new RoutingRequest(InetAddress.getLoopbackAddress(), location, ROUTE, tenant);
    }
}
