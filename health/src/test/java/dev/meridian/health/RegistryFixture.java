package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the tests of the health mechanisms share: a registry over regions of loopback endpoints
 * ({@link Tables#of(int...)}) on a {@link ManualClock}, with a listener that writes down what it
 * hears, closed after each test. Register it with {@code @RegisterExtension}; it answers the
 * registry's calls itself, so that a test reads {@code health.record(...)}.
 */
final class RegistryFixture implements AfterEachCallback {

    static final long MS = 1_000_000;

    final ManualClock clock = new ManualClock();
    final RoutingTable table;
    /** What the listener heard, as {@code "<endpoint label or region name> <cause>"}. */
    final List<String> heard = new CopyOnWriteArrayList<>();
    private HealthRegistry health;

    private RegistryFixture(RoutingTable table, HealthConfig config) {
        this.table = table;
        this.health = create(config);
    }

    /** Regions {@code r0, r1, ...} with the given numbers of endpoints, default configuration. */
    static RegistryFixture of(int... endpointsPerRegion) {
        return new RegistryFixture(Tables.of(endpointsPerRegion), HealthConfig.ofDefaults());
    }

    private HealthRegistry create(HealthConfig config) {
        HealthRegistry registry = HealthRegistry.create(table, config, clock);
        registry.listen(new HealthListener() {
            @Override
            public void endpointDown(Endpoint endpoint, Cause cause) {
                heard.add(endpoint.label() + " " + cause);
            }

            @Override
            public void regionDown(Region region, Cause cause) {
                heard.add(region.name() + " " + cause);
            }
        });
        return registry;
    }

    /** Closes the registry and starts over with {@code config} (same table, clock and listener). */
    void reconfigure(HealthConfig config) {
        health.close();
        health = create(config);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        health.close();
    }

    Region region(int index) {
        return Tables.region(table, index);
    }

    Endpoint endpoint(int region, int index) {
        return Tables.endpoint(table, region, index);
    }

    /** {@code times} gateway failures of {@code endpoint}, 5 ms each. */
    void fail(Endpoint endpoint, int times) {
        for (int i = 0; i < times; i++) {
            health.record(endpoint, Outcome.GATEWAY_FAILURE, 5 * MS, null);
        }
    }

    /** {@code endpoint} as the report shows it. */
    HealthReport.EndpointReport report(Endpoint endpoint) {
        return health.report().regions().stream()
                .flatMap(r -> r.endpoints().stream())
                .filter(e -> e.label().equals(endpoint.label()))
                .findFirst().orElseThrow();
    }

    /** Region {@code index} as the report shows it. */
    HealthReport.RegionReport report(int index) {
        return health.report().regions().get(index);
    }

    /**
     * Advances the clock by {@code after}: a nanosecond before it nothing has ended ({@code ended}
     * is false, the version unchanged); at it the version moves (read first, as the routing policy
     * reads it) and {@code ended} holds.
     */
    void assertEndsAfter(Duration after, BooleanSupplier ended) {
        long version = health.version();
        clock.advance(after.minusNanos(1));
        assertThat(ended.getAsBoolean()).as("a nanosecond before the end").isFalse();
        assertThat(health.version()).as("nothing ended yet").isEqualTo(version);

        clock.advance(Duration.ofNanos(1));
        assertThat(health.version()).as("the end moves the version").isGreaterThan(version);
        assertThat(ended.getAsBoolean()).as("ended").isTrue();
    }

    // ---- the registry's calls ----

    void record(Endpoint endpoint, Outcome outcome, long durationNanos, @Nullable Duration retryAfter) {
        health.record(endpoint, outcome, durationNanos, retryAfter);
    }

    void probeResult(Endpoint endpoint, long startedNanos, boolean ok, long rttNanos, @Nullable String problem) {
        health.probeResult(endpoint, startedNanos, ok, rttNanos, problem);
    }

    boolean suspect(Region region, String why) {
        return health.suspect(region, why);
    }

    boolean isAvailable(Endpoint endpoint) {
        return health.isAvailable(endpoint);
    }

    boolean admits(Region region) {
        return health.admits(region);
    }

    double capacity(Region region) {
        return health.capacity(region);
    }

    long version() {
        return health.version();
    }

    HealthReport report() {
        return health.report();
    }
}
