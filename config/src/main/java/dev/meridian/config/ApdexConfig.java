package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A route's Apdex thresholds on time to first byte: a response that started within
 * {@code satisfied} satisfies the user, one within {@code tolerated} is tolerated, anything slower
 * frustrates. The router counts each proxied response in one of the three zones
 * ({@code meridian_apdex_total}); the recording rules turn the counts into a score, so that each
 * route keeps its own idea of "fast" (a completion must start within a second, a chat may take
 * longer) while the dashboards and alerts stay the same for all.
 *
 * @param satisfied the longest time to first byte that satisfies (positive)
 * @param tolerated the longest time to first byte that is tolerated (at least {@code satisfied})
 */
public record ApdexConfig(Duration satisfied, Duration tolerated) {

    public ApdexConfig {
        requireNonNull(satisfied, "satisfied");
        requireNonNull(tolerated, "tolerated");
        TimeoutConfig.checkPositive(satisfied, "satisfied");
        if (tolerated.compareTo(satisfied) < 0) {
            throw new IllegalArgumentException("tolerated: " + tolerated + " (expected: at least satisfied, " + satisfied + ')');
        }
    }

    /** Every value from {@link ConfigDefaults}: satisfied within 1 s, tolerated within 10 s. */
    public static ApdexConfig ofDefaults() {
        return new ApdexConfig(ConfigDefaults.APDEX_SATISFIED, ConfigDefaults.APDEX_TOLERATED);
    }
}
