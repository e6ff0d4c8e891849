package dev.meridian.router.exchange;

import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.Region;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What stall detection knows about one region, shared by every event loop: how many of its
 * attempts are late and overdue (see {@link StallRule}), when it last gave a first byte, and its
 * live p99 time to first byte with the threshold derived from it. One per region and
 * configuration ({@link RegionStalls}); an attempt keeps the one it started with.
 *
 * <p>Counters are atomics touched when an attempt becomes late or overdue and when it leaves;
 * the last answer is a lazily set long written on every response head, read by the ticks and by
 * {@link StallRule#admits}.
 */
final class RegionStall {

    /** The p99 and threshold are recomputed at most this often (a tick's period). */
    private static final long REFRESH_NANOS = 100_000_000L;

    final Region region;
    final HealthRegistry health;
    final StallRule rule;
    private final TimeToFirstByteTracker ttfb;
    private final RegionStalls all;

    final AtomicInteger late = new AtomicInteger();
    final AtomicInteger overdue = new AtomicInteger();
    private final AtomicLong lastAnswer;
    private volatile long p99Nanos = -1;
    private volatile long thresholdNanos = -1;
    private volatile long refreshedAt;
    private volatile boolean refreshed;

    RegionStall(Region region, HealthRegistry health, StallRule rule, TimeToFirstByteTracker ttfb, RegionStalls all,
            long now) {
        this.region = region;
        this.health = health;
        this.rule = rule;
        this.ttfb = ttfb;
        this.all = all;
        this.lastAnswer = new AtomicLong(now);
    }

    /** Response headers came from the region at {@code now}. */
    void answered(long now) {
        lastAnswer.lazySet(now);
    }

    /** How long the region has given no first byte. */
    long silentNanos(long now) {
        return now - lastAnswer.get();
    }

    long p99Nanos() {
        return p99Nanos;
    }

    long thresholdNanos() {
        return thresholdNanos;
    }

    /** Recomputes the live p99 and the threshold when the last computation is a tick old. */
    void refresh(long now) {
        if (refreshed && now - refreshedAt < REFRESH_NANOS) {
            return;
        }
        long p99 = ttfb.quantileNanos(region.name(), 0.99);
        p99Nanos = p99;
        thresholdNanos = rule.thresholdNanos(p99);
        refreshedAt = now;
        refreshed = true;
    }

    /**
     * Whether the region takes one more attempt now (see {@link StallRule#admits}); always while
     * no other region could take it.
     */
    boolean admits(long now) {
        return rule.admits(late.get(), silentNanos(now), p99Nanos) || !all.anotherRegionAvailable(region);
    }

    /** Whether the region has stalled and may be suspected: another region can take its traffic. */
    boolean stalled(long now) {
        return rule.stalled(overdue.get(), silentNanos(now), thresholdNanos) && all.anotherRegionAvailable(region);
    }

    @Override
    public String toString() {
        return region.name();
    }
}
