package dev.meridian.regions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The hysteresis period of latency-driven rankings ({@code routing.hysteresis-period}): per client
 * location, the ranking in force, when latency last moved it, and the latest latencies that gave
 * it. A new ranking is taken at once when the last move is at least a period old; otherwise the
 * plan keeps ranking by those latencies until the period ends, so a region whose latency hovers
 * near another's moves its traffic at most once per period.
 *
 * <p>Shared by the policies that {@link RoutingPolicy#withOverrides} derives, so that an admin
 * change does not reset the history. Entries are replaced whole; two loops racing may each keep
 * a slightly different entry, which only shifts a hold by the time between two plan computations.
 */
final class RankingHistory {

    /** {@link Entry#movedAt} of a location whose ranking latency never moved. */
    static final long NEVER = Long.MIN_VALUE;
    private static final int MAX_LOCATIONS = 16_384;

    /** The ranking of one location: its key, when it was taken, and the latencies (configuration order, ms) behind it. */
    record Entry(String ranking, long movedAt, double[] latencyMs) {}

    /** What a plan computation should rank by: {@code latencyMs}, and until when a held ranking lasts. */
    record Verdict(double[] latencyMs, long heldUntil) {}

    /** {@link Verdict#heldUntil} of a ranking that is not held. */
    static final long NOT_HELD = Long.MAX_VALUE;

    private final long periodNanos;
    private final Cache<Long, Entry> entries =
            Caffeine.newBuilder().maximumSize(MAX_LOCATIONS).executor(Runnable::run).build();

    RankingHistory(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /**
     * Decides between the ranking the latest latencies give ({@code ranking}, from {@code latencyMs})
     * and the one in force for {@code location}.
     */
    Verdict decide(long location, String ranking, double[] latencyMs, long now) {
        if (periodNanos <= 0) {
            return new Verdict(latencyMs, NOT_HELD);
        }
        Entry last = entries.getIfPresent(location);
        if (last == null) {
            entries.put(location, new Entry(ranking, NEVER, latencyMs));
            return new Verdict(latencyMs, NOT_HELD);
        }
        if (last.ranking().equals(ranking)) {
            entries.put(location, new Entry(ranking, last.movedAt(), latencyMs));
            return new Verdict(latencyMs, NOT_HELD);
        }
        if (last.movedAt() == NEVER || now - last.movedAt() >= periodNanos) {
            entries.put(location, new Entry(ranking, now, latencyMs));
            return new Verdict(latencyMs, NOT_HELD);
        }
        return new Verdict(last.latencyMs(), last.movedAt() + periodNanos);
    }
}
