package dev.meridian.health;

import dev.meridian.testing.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A 429 lowers the region's share for its Retry-After, and nothing else. */
class RateLimitTest {

    private final ManualClock clock = new ManualClock();
    private final RoutingTable table = Tables.of(2, 1);
    private final Region east = Tables.region(table, 0);
    private final Region west = Tables.region(table, 1);
    private final Endpoint e0 = Tables.endpoint(table, 0, 0);
    private final HealthRegistry health = HealthRegistry.create(table, HealthConfig.ofDefaults(), clock);

    @AfterEach
    void close() {
        health.close();
    }

    @Test
    void capacityDropsForTheRetryAfterThenRecovers() {
        try (LogCapture log = LogCapture.of(HealthRegistry.class)) {
            long before = health.version();

            health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(30));

            long throttled = health.version();
            assertThat(throttled).as("the throttle changes the version").isGreaterThan(before);
            assertThat(health.capacity(east)).isEqualTo(0.5);
            assertThat(health.capacity(west)).as("per region").isEqualTo(1.0);
            assertThat(health.report().regions().get(0).throttledFor()).isEqualTo(Duration.ofSeconds(30));

            clock.advance(Duration.ofSeconds(30).minusNanos(1));
            assertThat(health.capacity(east)).isEqualTo(0.5);
            assertThat(health.version()).isEqualTo(throttled);

            clock.advance(Duration.ofNanos(1));
            assertThat(health.capacity(east)).isEqualTo(1.0);
            assertThat(health.version()).as("the end of the throttle changes the version").isGreaterThan(throttled);
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
        assertThat(health.report().regions().get(0).endpoints().get(0).consecutiveFailures()).isZero();
        assertThat(health.report().regions().get(0).failureRate()).isEqualTo(-1f);
    }

    @Test
    void withoutAUsableRetryAfterTheDefaultApplies() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, null);
        assertThat(health.report().regions().get(0).throttledFor()).isEqualTo(Duration.ofSeconds(10));

        clock.advance(Duration.ofSeconds(10));
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ZERO);
        assertThat(health.report().regions().get(0).throttledFor()).as("zero is not usable").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aLongerRetryAfterExtendsTheThrottleAndAShorterOneDoesNotShortenIt() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(30));
        long version = health.version();
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(5));
        assertThat(health.report().regions().get(0).throttledFor()).isEqualTo(Duration.ofSeconds(30));

        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofSeconds(60));

        assertThat(health.report().regions().get(0).throttledFor()).isEqualTo(Duration.ofSeconds(60));
        assertThat(health.version()).as("capacity did not change").isEqualTo(version);
        clock.advance(Duration.ofSeconds(30));
        assertThat(health.capacity(east)).isEqualTo(0.5);
        clock.advance(Duration.ofSeconds(30));
        assertThat(health.capacity(east)).isEqualTo(1.0);
    }

    @Test
    void retryAfterIsCappedAtAnHour() {
        health.record(e0, Outcome.RATE_LIMITED, 1_000_000, Duration.ofDays(2));

        assertThat(health.report().regions().get(0).throttledFor()).isEqualTo(Duration.ofHours(1));
    }
}
