package dev.meridian.loadtest.jmh;

import dev.meridian.config.GeoPoint;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.health.Outcome;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.RoutingTable;
import java.net.URI;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A successful upstream call recorded in the health registry, as the data path does once per
 * exchange: outlier bookkeeping and the region's circuit breaker (closed, default configuration).
 * Meant for {@code -prof gc}: its {@code gc.alloc.rate.norm} is what a success allocates.
 */
public class BreakerBenchmark extends HotPathBenchmark {

    private static final long TWENTY_MS = 20_000_000L;

    private HealthRegistry health;
    private Endpoint endpoint;

    @Setup
    public void setUp() {
        RegionConfig region = new RegionConfig("europe-west2", new GeoPoint(51.51, -0.13), 100,
                List.of(URI.create("http://127.0.0.1:20000"), URI.create("http://127.0.0.1:20001")));
        RoutingTable table = RoutingTable.build(List.of(region), RoutingConfig.ofDefaults(), System::nanoTime);
        health = HealthRegistry.create(table, HealthConfig.ofDefaults());
        endpoint = table.regions().get(0).endpoints().get(0);
    }

    @TearDown
    public void tearDown() {
        health.close();
    }

    @Benchmark
    public void recordSuccess() {
        health.record(endpoint, Outcome.SUCCESS, TWENTY_MS, null);
    }
}
