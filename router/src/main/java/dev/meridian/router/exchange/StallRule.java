package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.StallConfig;

/**
 * When a region has stopped answering (DESIGN.md, "Failure handling"; {@code health.stall}), as a
 * pure function of what the data path measured: no sockets, no clock. Every time is in
 * nanoseconds; a p99 of -1 means "not known yet" (too few answers), and then nothing is judged.
 *
 * <ul>
 *   <li>An attempt is <em>late</em> once it has waited for its first byte longer than the
 *       region's live p99, and <em>overdue</em> once it has waited longer than the
 *       {@link #thresholdNanos threshold}, {@code max(min-threshold, multiplier × p99)}.
 *   <li>A region is <em>stalled</em> when {@code overdue-attempts} of its attempts are overdue and
 *       it gave no first byte at all for the threshold: its attempts keep waiting and none is
 *       answered. (A region that answers others is slow for some requests, not stalled.)
 *   <li>A region that gave no first byte for longer than its p99 <em>admits</em> a new attempt only
 *       while fewer than {@code max-waiting} of its attempts are late: a hung region cannot soak up
 *       requests until it is suspected.
 * </ul>
 */
final class StallRule {

    private final boolean enabled;
    private final double multiplier;
    private final long minThresholdNanos;
    private final int overdueAttempts;
    private final int maxWaiting;

    StallRule(StallConfig config) {
        requireNonNull(config, "config");
        this.enabled = config.enabled();
        this.multiplier = config.multiplier();
        this.minThresholdNanos = config.minThreshold().toNanos();
        this.overdueAttempts = config.overdueAttempts();
        this.maxWaiting = config.maxWaiting();
    }

    /** How long an attempt may wait for its first byte before it is overdue; -1 while the p99 is unknown or the rule is off. */
    long thresholdNanos(long p99Nanos) {
        if (!enabled || p99Nanos < 0) {
            return -1;
        }
        return Math.max(minThresholdNanos, (long) Math.min(Long.MAX_VALUE / 2.0, multiplier * p99Nanos));
    }

    /** Whether an attempt that has waited {@code waitedNanos} is late (past the region's p99). */
    boolean late(long waitedNanos, long p99Nanos) {
        return enabled && p99Nanos >= 0 && waitedNanos > p99Nanos;
    }

    /** Whether an attempt that has waited {@code waitedNanos} is overdue. */
    boolean overdue(long waitedNanos, long thresholdNanos) {
        return thresholdNanos >= 0 && waitedNanos > thresholdNanos;
    }

    /**
     * Whether a region with {@code overdue} overdue attempts that gave no first byte for
     * {@code silentNanos} has stalled.
     */
    boolean stalled(int overdue, long silentNanos, long thresholdNanos) {
        return thresholdNanos >= 0 && overdue >= overdueAttempts && silentNanos > thresholdNanos;
    }

    /** Whether a region with {@code late} late attempts, silent for {@code silentNanos}, takes one more attempt. */
    boolean admits(int late, long silentNanos, long p99Nanos) {
        return !enabled || p99Nanos < 0 || silentNanos <= p99Nanos || late < maxWaiting;
    }
}
