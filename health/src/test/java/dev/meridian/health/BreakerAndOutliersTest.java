package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.BreakerConfig;
import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The breaker judges the region as a whole: failures that outlier detection pins on single
 * endpoints never reach it, failures of a region failing as a whole do at once, and its window is
 * a span of time (defaults: 10 s, 10 calls, 50 %).
 */
class BreakerAndOutliersTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(4, 2);
    private final Region east = health.region(0);
    private final Region west = health.region(1);

    private void record(Region region, int endpoint, Outcome outcome) {
        health.record(region.endpoints().get(endpoint), outcome, 20 * MS, null);
    }

    /** {@code calls} outcomes, to the region's first two endpoints in turn (0, 1, 0, 1, ...). */
    private void alternate(Region region, int calls, Outcome outcome) {
        for (int i = 0; i < calls; i++) {
            record(region, i % 2, outcome);
        }
    }

    @Test
    void halfTheEndpointsDyingUnderLoadAreEjectedWithoutOpeningTheBreaker() {
        // Round robin over four replicas, two of them refusing connections: 40 requests.
        for (int i = 0; i < 40; i++) {
            int endpoint = i % 4;
            if (health.isAvailable(east.endpoints().get(endpoint))) {
                record(east, endpoint, endpoint < 2 ? Outcome.GATEWAY_FAILURE : Outcome.SUCCESS);
            }
        }

        assertThat(east.endpoints().subList(0, 2)).as("the dead replicas are ejected").noneMatch(health::isAvailable);
        assertThat(east.endpoints().subList(2, 4)).allMatch(health::isAvailable);
        assertThat(health.admits(east)).as("10 failures were the endpoints', not the region's").isTrue();
        assertThat(health.report(0).failureRate())
                .as("the breaker saw only successes").isEqualTo(0f);
    }

    @Test
    void aRegionFailingAsAWholeOpensItsBreakerAtOnce() {
        alternate(west, 10, Outcome.SUCCESS);
        record(west, 0, Outcome.GATEWAY_FAILURE);
        assertThat(health.report(1).failureRate()).as("held back: west-1 does fine").isEqualTo(0f);
        record(west, 1, Outcome.GATEWAY_FAILURE);
        assertThat(health.report(1).failureRate())
                .as("every endpoint failing: the region's failures, both shown at once")
                .isCloseTo(16.7f, org.assertj.core.data.Offset.offset(0.1f));

        alternate(west, 20, Outcome.GATEWAY_FAILURE);

        assertThat(health.admits(west)).isFalse();
        assertThat(health.report(1).breaker()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void aRegionWhoseEndpointsAllFailUnderLoadOpensItsBreakerAlthoughItsWindowIsFullOfSuccesses() {
        alternate(west, 1000, Outcome.SUCCESS);
        alternate(west, 10, Outcome.GATEWAY_FAILURE);

        assertThat(health.isAvailable(west.endpoints().get(0))).as("one replica ejected (max-ejected-percent)").isFalse();
        assertThat(health.admits(west))
                .as("the other fails too and may not be ejected: the region fails as a whole, 5 failures in 1000 calls or not")
                .isFalse();
    }

    @Test
    void failuresOfARunThatEndsWithASuccessCountAgainstTheRegion() {
        for (int i = 0; i < 5; i++) {
            record(east, 0, Outcome.GATEWAY_FAILURE);
            record(east, 0, Outcome.SUCCESS);
            record(east, 1, Outcome.SUCCESS);
        }

        assertThat(health.isAvailable(east.endpoints().get(0))).as("never 5 in a row").isTrue();
        assertThat(health.report(0).failureRate())
                .as("5 of 15 calls failed, shown when each run ended").isCloseTo(33.3f, org.assertj.core.data.Offset.offset(0.1f));
    }

    @Test
    void failuresOfAnEndpointProbedDownNeverReachTheBreaker() {
        Endpoint e0 = east.endpoints().get(0);
        record(east, 1, Outcome.SUCCESS);
        record(east, 0, Outcome.GATEWAY_FAILURE);
        record(east, 0, Outcome.GATEWAY_FAILURE);
        long started = health.clock.getAsLong();
        health.probeResult(e0, started, false, -1, "connection refused");
        health.probeResult(e0, started, false, -1, "connection refused");
        assertThat(health.isAvailable(e0)).isFalse();

        for (int i = 0; i < 20; i++) {
            record(east, 0, Outcome.GATEWAY_FAILURE); // requests still in flight when it went down
        }

        assertThat(health.report(0).failureRate()).as("no failure shown").isEqualTo(-1f);
        assertThat(health.admits(east)).isTrue();
    }

    @Test
    void theWindowIsASpanOfTimeNotANumberOfCalls() {
        // The closed breaker's window runs on the system clock, not the registry's: a 1 s window, waited out.
        health.reconfigure(HealthConfig.ofDefaults().withBreaker(
                new BreakerConfig(50, 100, Duration.ofSeconds(30), Duration.ofSeconds(1), 10, Duration.ofSeconds(10), 3)));
        alternate(west, 4, Outcome.GATEWAY_FAILURE);
        assertThat(health.report(1).failureRate()).as("4 calls: fewer than minimum-calls").isEqualTo(-1f);

        // Two successes every 50 ms: never 50 % failures while the 4 are in the window (4 of 10 at most).
        Awaitility.await("the failures leave the 1 s window").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    record(west, 0, Outcome.SUCCESS);
                    record(west, 1, Outcome.SUCCESS);
                    float rate = health.report(1).failureRate();
                    return rate == 0f;
                });
        assertThat(health.admits(west)).isTrue();
    }
}
