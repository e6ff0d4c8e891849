package dev.meridian.health;

import dev.meridian.config.RegionConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Routing tables for tests: regions of loopback endpoints that nothing needs to answer. */
final class Tables {

    private Tables() {}

    /** Regions named {@code r0, r1, ...} with the given numbers of endpoints on 127.0.0.1. */
    static RoutingTable of(int... endpointsPerRegion) {
        List<RegionConfig> regions = new ArrayList<>();
        int port = 5001;
        for (int r = 0; r < endpointsPerRegion.length; r++) {
            URI[] uris = new URI[endpointsPerRegion[r]];
            for (int i = 0; i < uris.length; i++) {
                uris[i] = URI.create("http://127.0.0.1:" + port++);
            }
            regions.add(RegionConfig.of("r" + r, uris));
        }
        return RoutingTable.build(regions);
    }

    /** One region {@code r0} with the given endpoints. */
    static RoutingTable of(URI... endpoints) {
        return RoutingTable.build(List.of(RegionConfig.of("r0", endpoints)));
    }

    static Region region(RoutingTable table, int index) {
        return table.regions().get(index);
    }

    static Endpoint endpoint(RoutingTable table, int region, int index) {
        return table.regions().get(region).endpoints().get(index);
    }
}
