package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The registry's surface: a fresh start, the report, unknown regions and endpoints, the life cycle. */
class HealthRegistryTest {

    private final ManualClock clock = new ManualClock();
    private final RoutingTable table = Tables.of(2, 1);

    @Test
    void aFreshRegistryRoutesAtOnce() {
        try (HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock)) {
            long version = health.version();

            assertThat(table.regions()).allSatisfy(region -> {
                assertThat(health.admits(region)).isTrue();
                assertThat(health.latencyNanos(region)).isEqualTo(-1);
                assertThat(health.capacity(region)).isEqualTo(1.0);
                assertThat(region.endpoints()).allMatch(health::isAvailable);
            });
            clock.advance(Duration.ofHours(1));
            assertThat(health.version()).as("nothing happened").isEqualTo(version);
        }
    }

    @Test
    void reportListsRegionsAndEndpointsInConfigurationOrder() {
        try (HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock)) {
            HealthReport report = health.report();

            assertThat(report.version()).isEqualTo(health.version());
            assertThat(report.regions()).extracting(HealthReport.RegionReport::name).containsExactly("r0", "r1");
            assertThat(report.regions().get(0)).satisfies(r -> {
                assertThat(r.breaker()).isEqualTo(BreakerState.CLOSED);
                assertThat(r.failureRate()).as("fewer than minimum-calls").isEqualTo(-1f);
                assertThat(r.capacity()).isEqualTo(1.0);
                assertThat(r.throttledFor()).isZero();
                assertThat(r.endpoints()).extracting(HealthReport.EndpointReport::label)
                        .containsExactly("127.0.0.1:5001", "127.0.0.1:5002");
            });
            assertThat(report.regions().get(1).endpoints()).singleElement().satisfies(e -> {
                assertThat(e.probe()).isEqualTo(ProbeState.UP);
                assertThat(e.available()).isTrue();
                assertThat(e.consecutiveFailures()).isZero();
                assertThat(e.ejectedFor()).isZero();
                assertThat(e.timesEjected()).isZero();
                assertThat(e.ejections()).isZero();
                assertThat(e.lastProbeProblem()).isNull();
            });
        }
    }

    @Test
    void regionsOfAnotherTableAreAnsweredAsHealthy() {
        RoutingTable other = Tables.of(1);
        Region stranger = Tables.region(other, 0);
        try (HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock)) {
            health.record(Tables.endpoint(other, 0, 0), Outcome.RATE_LIMITED, 0, Duration.ofMinutes(1));

            assertThat(health.admits(stranger)).isTrue();
            assertThat(health.latencyNanos(stranger)).isEqualTo(-1);
            assertThat(health.capacity(stranger)).isEqualTo(1.0);
            assertThat(health.capacity(Tables.region(table, 0))).isEqualTo(1.0);
        }
    }

    @Test
    void recordRefusesNullsButAcceptsNegativeDurations() {
        Endpoint endpoint = Tables.endpoint(table, 0, 0);
        try (HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock)) {
            assertThatNullPointerException().isThrownBy(() -> health.record(endpoint, null, 0, null)).withMessage("outcome");
            assertThatNullPointerException().isThrownBy(() -> health.record(null, Outcome.SUCCESS, 0, null)).withMessage("endpoint");

            health.record(endpoint, Outcome.SUCCESS, -5, null);

            assertThat(health.isAvailable(endpoint)).isTrue();
        }
    }

    @Test
    void probesCannotStartAfterCloseAndCloseIsIdempotent() {
        HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock);
        health.close();
        health.close();

        assertThatIllegalStateException().isThrownBy(health::startProbes).withMessage("closed");
        assertThat(health.isAvailable(Tables.endpoint(table, 0, 0))).isTrue();
    }

    @Test
    void createRefusesNulls() {
        assertThatNullPointerException().isThrownBy(() -> HealthRegistry.create(null, HealthConfig.ofDefaults())).withMessage("table");
        assertThatNullPointerException().isThrownBy(() -> HealthRegistry.create(table, null)).withMessage("config");
        assertThatNullPointerException().isThrownBy(() -> HealthRegistry.create(table, HealthConfig.ofDefaults(), null))
                .withMessage("nanoClock");
    }
}
