package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which window a region's breaker counts in: its own while closed (and open after that), Resilience4j's
 * for the half-open trial calls, and an empty one of its own again once it closes. Defaults: window
 * 10 s, minimum 10 calls, 50% failures, open 10 s, 3 trial calls.
 */
class RegionBreakersWindowTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(4, 1);
    private final Region east = health.region(0);

    private void record(Outcome outcome, int times) {
        for (int i = 0; i < times; i++) {
            Endpoint endpoint = east.endpoints().get(i % east.endpoints().size());
            health.record(endpoint, outcome, 20 * MS, null);
        }
    }

    @Test
    void anOpenBreakerReportsTheRatesOfTheWindowThatOpenedIt() {
        record(Outcome.SUCCESS, 4);
        record(Outcome.GATEWAY_FAILURE, 6);

        assertThat(health.report(0).breaker()).isEqualTo(BreakerState.OPEN);
        assertThat(health.report(0).failureRate()).isEqualTo(60f);
        assertThat(health.report(0).slowCallRate()).isEqualTo(0f);
    }

    @Test
    void aBreakerThatClosesStartsWithAnEmptyWindow() {
        record(Outcome.SUCCESS, 5);
        record(Outcome.GATEWAY_FAILURE, 5);
        assertThat(health.admits(east)).isFalse();

        health.clock.advance(Duration.ofSeconds(10));
        assertThat(health.admits(east)).isTrue();
        record(Outcome.SUCCESS, 3);
        assertThat(health.report(0).breaker()).isEqualTo(BreakerState.CLOSED);

        // The 10 calls that opened it are still within 10 s of the window's clock (real time).
        assertThat(health.report(0).failureRate()).as("forgotten on closing").isEqualTo(-1f);
        record(Outcome.GATEWAY_FAILURE, 9);
        assertThat(health.admits(east)).as("9 calls since closing: fewer than minimum-calls").isTrue();
        record(Outcome.GATEWAY_FAILURE, 1);
        assertThat(health.admits(east)).as("10 failed calls since closing").isFalse();
    }

    @Test
    void halfOpenTrialCallsAreCountedByResilience4jAndReopenIt() {
        record(Outcome.GATEWAY_FAILURE, 10);
        health.clock.advance(Duration.ofSeconds(10));
        assertThat(health.admits(east)).isTrue();
        assertThat(health.report(0).failureRate()).as("no trial call yet").isEqualTo(-1f);

        record(Outcome.GATEWAY_FAILURE, 3);

        assertThat(health.report(0).breaker()).isEqualTo(BreakerState.OPEN);
        assertThat(health.report(0).failureRate()).as("the trial calls' rate").isEqualTo(100f);
    }
}
