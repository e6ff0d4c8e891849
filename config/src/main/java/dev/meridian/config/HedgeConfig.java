package dev.meridian.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A route's hedging policy: when no response headers have arrived after {@code delay}, a second
 * attempt goes to the next-best region and the first response wins. It trades a little extra load
 * (bounded by the retry budget) for a shorter tail, which pays off for short, side-effect-free
 * requests such as completions; it is off by default.
 *
 * <p>A {@code null} delay (spelled {@value #P95} in the file) means the region's live p95 time to
 * first byte, so that only the slowest few percent of requests are hedged whatever the region's
 * normal latency is.
 *
 * @param enabled whether requests of the route are hedged
 * @param delay how long to wait for response headers before hedging (positive), or {@code null} for the live p95
 */
public record HedgeConfig(boolean enabled, @Nullable Duration delay) {

    /** How the live-p95 delay is spelled in the configuration file. */
    public static final String P95 = "p95";

    public HedgeConfig {
        if (delay != null && (delay.isNegative() || delay.isZero())) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: > 0, or null for the live p95)");
        }
    }

    /** Every value from {@link ConfigDefaults}: off, with the live p95 as the delay. */
    public static HedgeConfig ofDefaults() {
        return new HedgeConfig(ConfigDefaults.HEDGE_ENABLED, ConfigDefaults.HEDGE_DELAY);
    }

    public HedgeConfig withEnabled(boolean enabled) {
        return new HedgeConfig(enabled, delay);
    }

    /** {@code null} for the region's live p95 time to first byte. */
    public HedgeConfig withDelay(@Nullable Duration delay) {
        return new HedgeConfig(enabled, delay);
    }
}
