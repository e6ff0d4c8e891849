package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Stall detection: a region that accepts requests and stops answering them (a black hole) is
 * noticed from the data path, faster than probes can tell. An attempt is <em>overdue</em> once it
 * has waited for its first response byte longer than the region's stall threshold,
 * {@code max(minThreshold, multiplier × the region's live p99 time to first byte)}. A region with
 * {@code overdueAttempts} overdue attempts that gave no first byte at all within the threshold is
 * <em>suspected</em> at once: new attempts avoid it, attempts waiting there are rescued (see
 * {@link RetryConfig#rescue()}), and probes confirm (its next good probe ends the suspicion).
 *
 * <p>{@code maxWaiting} keeps a hung region from soaking up requests meanwhile: while a region
 * has given no first byte for longer than its live p99 time to first byte, at most that many
 * attempts wait on it for one; a further attempt goes elsewhere at once.
 *
 * <p>Until a region's p99 is known (at least 20 answers in the last 10–20 s) it is not judged.
 *
 * @param enabled whether stall detection runs
 * @param multiplier the threshold in multiples of the region's live p99 time to first byte, 1..100
 * @param minThreshold the shortest threshold (positive): a burst of slow answers is not a stall
 * @param overdueAttempts overdue attempts, with no first byte from the region within the threshold, that suspect it, 1..1000
 * @param maxWaiting attempts that may wait on a region silent for longer than its p99, 1..100000
 */
public record StallConfig(boolean enabled, double multiplier, Duration minThreshold, int overdueAttempts, int maxWaiting) {

    /** Largest multiplier; beyond it the first-byte timeout is the better tool. */
    public static final double MAX_MULTIPLIER = 100;
    /** Most overdue attempts; far above any sensible value, it catches typos. */
    public static final int MAX_OVERDUE_ATTEMPTS = 1000;
    /** Largest waiting cap; far above any sensible value, it catches typos. */
    public static final int MAX_WAITING = 100_000;

    public StallConfig {
        if (!(multiplier >= 1 && multiplier <= MAX_MULTIPLIER)) { // also refuses NaN
            throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: 1..100)");
        }
        TimeoutConfig.checkPositive(requireNonNull(minThreshold, "minThreshold"), "minThreshold");
        Range.check("overdueAttempts", overdueAttempts, 1, MAX_OVERDUE_ATTEMPTS);
        Range.check("maxWaiting", maxWaiting, 1, MAX_WAITING);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static StallConfig ofDefaults() {
        return new StallConfig(ConfigDefaults.STALL_ENABLED, ConfigDefaults.STALL_MULTIPLIER,
                ConfigDefaults.STALL_MIN_THRESHOLD, ConfigDefaults.STALL_OVERDUE_ATTEMPTS, ConfigDefaults.STALL_MAX_WAITING);
    }
}
