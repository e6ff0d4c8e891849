package dev.meridian.router.exchange;

import dev.meridian.config.HealthConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.net.URI;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The regions the exchange's rule and recording tests share: us-east4 with two endpoints and
 * europe-west2 with one (loopback addresses nothing listens on), a configuration of just them, and
 * their health registry on the test's clock.
 */
final class TwoRegions implements AutoCloseable {

    final MeridianConfig config = MeridianConfig.builder(List.of(
                    RegionConfig.of("us-east4", URI.create("http://127.0.0.1:5001"), URI.create("http://127.0.0.1:5002")),
                    RegionConfig.of("europe-west2", URI.create("http://127.0.0.1:5003"))))
            .build();
    final RoutingTable table = RoutingTable.build(config.regions());
    final Region east = table.regions().get(0);
    final Region west = table.regions().get(1);
    final HealthRegistry health;

    TwoRegions(LongSupplier nanoClock) {
        this.health = HealthRegistry.create(table, HealthConfig.ofDefaults(), nanoClock);
    }

    @Override
    public void close() {
        health.close();
    }
}
