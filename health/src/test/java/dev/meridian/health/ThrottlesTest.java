package dev.meridian.health;

import dev.meridian.testing.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 429 lowers the region's share for its Retry-After, and nothing else. */
class ThrottlesTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(2, 1);
    private final Region east = health.region(0);
    private final Region west = health.region(1);
    private final Endpoint e0 = health.endpoint(0, 0);

    @Test
    void capacityDropsForTheRetryAfterThenRecovers() {
        try (LogCapture log = LogCapture.of(Throttles.class)) {
            long before = health.version();

            health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(30));

            assertThat(health.version()).as("the throttle changes the version").isGreaterThan(before);
            assertThat(health.capacity(east)).isEqualTo(0.5);
            assertThat(health.capacity(west)).as("per region").isEqualTo(1.0);
            assertThat(health.report(0).throttledFor()).isEqualTo(Duration.ofSeconds(30));

            health.assertEndsAfter(Duration.ofSeconds(30), () -> health.capacity(east) == 1.0);
            assertThat(log.lines(Level.INFO)).containsExactly(
                    "INFO region r0 answered 429: its share drops to 0.5 for 30s",
                    "INFO region r0 gets its full share again: the 429's Retry-After has passed");
        }
    }

    @Test
    void availabilityBreakerAndFailureCountsAreUntouched() {
        for (int i = 0; i < 50; i++) {
            health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(5));
        }

        assertThat(health.isAvailable(e0)).isTrue();
        assertThat(health.admits(east)).isTrue();
        assertThat(health.report(0).endpoints().get(0).consecutiveFailures()).isZero();
        assertThat(health.report(0).failureRate()).isEqualTo(-1f);
    }

    @Test
    void withoutAUsableRetryAfterTheDefaultApplies() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, null);
        assertThat(health.report(0).throttledFor()).isEqualTo(Duration.ofSeconds(10));

        health.clock.advance(Duration.ofSeconds(10));
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ZERO);
        assertThat(health.report(0).throttledFor()).as("zero is not usable").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aLongerRetryAfterExtendsTheThrottleAndAShorterOneDoesNotShortenIt() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(30));
        long version = health.version();
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(5));
        assertThat(health.report(0).throttledFor()).isEqualTo(Duration.ofSeconds(30));

        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(60));

        assertThat(health.report(0).throttledFor()).isEqualTo(Duration.ofSeconds(60));
        assertThat(health.version()).as("capacity did not change").isEqualTo(version);
        health.clock.advance(Duration.ofSeconds(30));
        assertThat(health.capacity(east)).isEqualTo(0.5);
        health.clock.advance(Duration.ofSeconds(30));
        assertThat(health.capacity(east)).isEqualTo(1.0);
    }

    @Test
    void retryAfterIsCappedAtAnHour() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofDays(2));

        assertThat(health.report(0).throttledFor()).isEqualTo(Duration.ofHours(1));
    }
}
