package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The circuit breaker of each region (Resilience4j, time-based window). Outlier ejection acts on
 * single endpoints; the breaker acts on a whole region whose endpoints all fail or crawl at once
 * (a broken model provider, a saturated region), so that traffic moves to the next region instead
 * of every request paying for the failure. After {@code openDuration} a few trial calls decide
 * whether it closes again.
 *
 * <p>The window is a span of time, not a number of calls: a count-based window sized for a quiet
 * region lasts a few milliseconds under load, so its meaning would change with the traffic.
 *
 * @param failureRateThreshold percentage of failed calls in the window that opens the breaker, 1..100
 * @param slowCallRateThreshold percentage of slow calls in the window that opens it, 1..100 (100: only when every call is slow)
 * @param slowCallDuration a call taking longer than this is slow (positive)
 * @param window the span of most recent time the rates are computed over, whole seconds, 1s..1h
 * @param minimumCalls calls in the window needed before the rates count at all, 1..10000
 * @param openDuration how long the breaker stays open before it lets trial calls through (positive)
 * @param halfOpenCalls trial calls in the half-open state that decide whether it closes, 1..1000
 */
public record BreakerConfig(
        int failureRateThreshold,
        int slowCallRateThreshold,
        Duration slowCallDuration,
        Duration window,
        int minimumCalls,
        Duration openDuration,
        int halfOpenCalls) {

    /** Largest window; far above any sensible value, it catches typos. */
    public static final Duration MAX_WINDOW = Duration.ofHours(1);
    /** Most calls required before the rates count; far above any sensible value, it catches typos. */
    public static final int MAX_MINIMUM_CALLS = 10_000;
    /** Most trial calls in the half-open state. */
    public static final int MAX_HALF_OPEN_CALLS = 1000;

    public BreakerConfig {
        checkPercent(failureRateThreshold, "failureRateThreshold");
        checkPercent(slowCallRateThreshold, "slowCallRateThreshold");
        TimeoutConfig.checkPositive(slowCallDuration, "slowCallDuration");
        requireNonNull(window, "window");
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0 || window.getNano() != 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: whole seconds, 1s..1h)");
        }
        Range.check("minimumCalls", minimumCalls, 1, MAX_MINIMUM_CALLS);
        TimeoutConfig.checkPositive(openDuration, "openDuration");
        Range.check("halfOpenCalls", halfOpenCalls, 1, MAX_HALF_OPEN_CALLS);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static BreakerConfig ofDefaults() {
        return new BreakerConfig(
                ConfigDefaults.BREAKER_FAILURE_RATE_THRESHOLD,
                ConfigDefaults.BREAKER_SLOW_CALL_RATE_THRESHOLD,
                ConfigDefaults.BREAKER_SLOW_CALL_DURATION,
                ConfigDefaults.BREAKER_WINDOW,
                ConfigDefaults.BREAKER_MINIMUM_CALLS,
                ConfigDefaults.BREAKER_OPEN_DURATION,
                ConfigDefaults.BREAKER_HALF_OPEN_CALLS);
    }

    private static void checkPercent(int value, String name) {
        Range.check(name, value, 1, 100);
    }
}
