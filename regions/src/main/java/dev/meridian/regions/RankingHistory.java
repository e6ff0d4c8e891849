package dev.meridian.regions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The hysteresis period of latency-driven rankings ({@code routing.hysteresis-period}): per client
 * location, the region ranked first, when latency last made another region first (a <em>move</em>:
 * the location's traffic changes hands), and the latest latencies that kept it first. A move is
 * taken at once when the last one is at least a period old; otherwise the plan keeps ranking by
 * those latencies until the period ends. So a region that turns ten times slower loses the first
 * rank at the first probes that show it, and a region whose latency hovers near another's hands
 * the traffic back and forth at most once per period. Changes below the first rank (which regions
 * share the first region's tie band, the order of the others) are not moves; the latency delta of
 * {@code routing.hysteresis} keeps noise out of them.
 *
 * <p>Shared by the policies that {@link RoutingPolicy#withOverrides} derives, so that an admin
 * change does not reset the history. Entries are replaced whole; two loops racing may each keep
 * a slightly different entry, which only shifts a hold by the time between two plan computations.
 */
final class RankingHistory {

    /** {@link Entry#movedAt} of a location whose first region latency never changed. */
    static final long NEVER = Long.MIN_VALUE;
    /** {@link Verdict#heldUntil} of a ranking that is not held. */
    static final long NOT_HELD = Long.MAX_VALUE;
    private static final int MAX_LOCATIONS = 16_384;

    /** The first region of one location, when latency made it first, and the latencies (configuration order, ms) that keep it first. */
    record Entry(String first, long movedAt, double[] latencyMs) {}

    /** What a plan computation should rank by: {@code latencyMs}, and until when a held ranking lasts. */
    record Verdict(double[] latencyMs, long heldUntil) {}

    private final long periodNanos;
    private final Cache<Long, Entry> entries =
            Caffeine.newBuilder().maximumSize(MAX_LOCATIONS).executor(Runnable::run).build();

    RankingHistory(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /**
     * Decides between the ranking the latest latencies give (whose first region is {@code first},
     * from {@code latencyMs}) and the one in force for {@code location}.
     */
    Verdict decide(long location, String first, double[] latencyMs, long now) {
        if (periodNanos <= 0) {
            return new Verdict(latencyMs, NOT_HELD);
        }
        Entry last = entries.getIfPresent(location);
        if (last == null || last.first().equals(first)) {
            entries.put(location, new Entry(first, last == null ? NEVER : last.movedAt(), latencyMs));
            return new Verdict(latencyMs, NOT_HELD);
        }
        if (last.movedAt() != NEVER && now - last.movedAt() < periodNanos) {
            return new Verdict(last.latencyMs(), last.movedAt() + periodNanos);
        }
        entries.put(location, new Entry(first, now, latencyMs));
        return new Verdict(latencyMs, NOT_HELD);
    }
}
