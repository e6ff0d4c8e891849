package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stall suspicion: the data path suspects a region, probes confirm it answers. Probe results and a manual clock drive it. */
class StallSuspicionTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(2, 2);
    private final Region east = health.region(0);
    private final Endpoint e0 = health.endpoint(0, 0);
    private final Endpoint e1 = health.endpoint(0, 1);

    @Test
    void aSuspectedRegionAdmitsNothingUntilAProbeStartedAfterTheSuspicionSucceeds() {
        long probeBefore = health.clock.getAsLong();
        health.clock.advance(Duration.ofMillis(5));
        long version = health.version();

        assertThat(health.suspect(east, "2 attempts overdue")).isTrue();
        assertThat(health.suspect(east, "again")).as("already suspected").isFalse();

        assertThat(health.admits(east)).isFalse();
        assertThat(health.admits(health.region(1))).isTrue();
        assertThat(health.version()).isGreaterThan(version);
        assertThat(health.heard).containsExactly("r0 STALLED");
        assertThat(east.endpoints()).as("a region's stall says nothing about single endpoints").allMatch(health::isAvailable);

        health.probeResult(e0, probeBefore, true, MS, null);
        assertThat(health.admits(east)).as("that probe started before the suspicion").isFalse();

        health.clock.advance(Duration.ofMillis(100));
        health.probeResult(e1, health.clock.getAsLong(), true, MS, null);
        assertThat(health.admits(east)).as("a probe confirms the region answers").isTrue();
    }

    @Test
    void aSuspicionNoProbeClearsEndsAfterTheOpenDuration() {
        health.suspect(east, "stalled");

        health.assertEndsAfter(Duration.ofSeconds(10), () -> health.admits(east));
    }

    @Test
    void aRegionSuspectedAgainSoonAfterItsProbesClearedItHasItsBreakerOpened() {
        health.suspect(east, "stalled");
        health.clock.advance(Duration.ofSeconds(1));
        health.probeResult(e0, health.clock.getAsLong(), true, MS, null);
        assertThat(health.admits(east)).isTrue();

        health.clock.advance(Duration.ofSeconds(2));
        health.suspect(east, "stalled again");
        health.clock.advance(Duration.ofSeconds(1));
        health.probeResult(e0, health.clock.getAsLong(), true, MS, null);

        assertThat(health.admits(east)).as("the probes pass while requests hang: the breaker decides").isFalse();
        assertThat(health.report(0).breaker()).isEqualTo(BreakerState.OPEN);
        assertThat(health.heard).containsExactly("r0 STALLED", "r0 STALLED", "r0 BREAKER_OPEN");
    }
}
