package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.BreakerConfig;
import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The circuit breaker of each region (defaults: window 20, minimum 10 calls, 50% failures, open
 * 10s, 3 trial calls), driven by recorded outcomes and a manual clock. Failures are spread over
 * the region's endpoints so that outlier ejection stays out of the way.
 */
class RegionBreakersTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(4, 1);
    private final Region east = health.region(0);
    private final Region west = health.region(1);

    private void record(Outcome outcome, int times) {
        for (int i = 0; i < times; i++) {
            Endpoint endpoint = east.endpoints().get(i % east.endpoints().size());
            health.record(endpoint, outcome, 20 * MS, null);
        }
    }

    private BreakerState state(int region) {
        return health.report(region).breaker();
    }

    private void open() {
        record(Outcome.SUCCESS, 5);
        record(Outcome.GATEWAY_FAILURE, 5);
        assertThat(health.admits(east)).as("opened").isFalse();
    }

    @Test
    void failureRateOverTheWindowOpensTheBreaker() {
        long before = health.version();
        record(Outcome.SUCCESS, 5);
        record(Outcome.GATEWAY_FAILURE, 4);
        assertThat(health.admits(east)).as("9 calls: fewer than minimum-calls").isTrue();
        assertThat(health.version()).isEqualTo(before);

        record(Outcome.TIMEOUT, 1);

        assertThat(health.admits(east)).as("10 calls, 50% failed").isFalse();
        assertThat(health.admits(west)).as("breakers are per region").isTrue();
        assertThat(state(0)).isEqualTo(BreakerState.OPEN);
        assertThat(health.report(0).failureRate()).isEqualTo(50f);
        assertThat(health.version()).as("opening changes the version").isGreaterThan(before);
        assertThat(east.endpoints()).as("an open breaker says nothing about single endpoints").allMatch(health::isAvailable);
    }

    @Test
    void afterTheOpenDurationItIsHalfOpenAndSuccessfulTrialCallsCloseIt() {
        open();

        health.assertEndsAfter(Duration.ofSeconds(10), () -> health.admits(east));
        long halfOpen = health.version();
        assertThat(state(0)).isEqualTo(BreakerState.HALF_OPEN);

        record(Outcome.SUCCESS, 2);
        assertThat(state(0)).as("3 trial calls decide").isEqualTo(BreakerState.HALF_OPEN);
        record(Outcome.SUCCESS, 1);

        assertThat(state(0)).isEqualTo(BreakerState.CLOSED);
        assertThat(health.admits(east)).isTrue();
        assertThat(health.version()).as("closing changes the version").isGreaterThan(halfOpen);
    }

    @Test
    void admitsAloneNoticesTheEndOfTheOpenPeriod() {
        open();
        health.clock.advance(Duration.ofSeconds(10));

        assertThat(health.admits(east)).isTrue();
        assertThat(state(0)).isEqualTo(BreakerState.HALF_OPEN);
    }

    @Test
    void failuresInHalfOpenReopenIt() {
        open();
        health.clock.advance(Duration.ofSeconds(10));
        assertThat(health.admits(east)).isTrue();
        long halfOpen = health.version();

        record(Outcome.GATEWAY_FAILURE, 2);
        record(Outcome.SUCCESS, 1);

        assertThat(state(0)).isEqualTo(BreakerState.OPEN);
        assertThat(health.admits(east)).isFalse();
        assertThat(health.version()).isGreaterThan(halfOpen);

        health.clock.advance(Duration.ofSeconds(10));
        assertThat(health.admits(east)).as("open for open-duration again").isTrue();
    }

    @Test
    void slowCallsOpenTheBreakerWhenConfigured() {
        health.reconfigure(HealthConfig.ofDefaults().withBreaker(
                new BreakerConfig(50, 50, Duration.ofSeconds(1), Duration.ofSeconds(10), 10, Duration.ofSeconds(10), 3)));

        for (int i = 0; i < 10; i++) {
            health.record(east.endpoints().get(0), Outcome.SUCCESS, i < 5 ? 2000 * MS : 10 * MS, null);
        }

        assertThat(health.admits(east)).isFalse();
        assertThat(health.report(0).slowCallRate()).isEqualTo(50f);
    }

    @Test
    void clientErrorsCancellationsAndRateLimitsAreNotSeenByTheBreaker() {
        record(Outcome.CLIENT_ERROR, 20);
        record(Outcome.CANCELLED, 20);
        record(Outcome.RATE_LIMITED, 20);

        assertThat(health.admits(east)).isTrue();
        assertThat(health.report(0).failureRate()).as("no calls recorded").isEqualTo(-1f);
    }
}
