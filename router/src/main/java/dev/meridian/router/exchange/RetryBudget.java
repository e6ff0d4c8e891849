package dev.meridian.router.exchange;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Bounds retries and hedges together to a fraction of requests over a sliding window, plus a
 * small floor, so that when every region fails at once Meridian does not multiply the load on
 * them (Finagle's and Linkerd's retry budget).
 *
 * <p>Counts live in one-second buckets of a ring; each bucket is stamped with its second so a
 * stale one is reset by the first writer of the new second. Lock-free: a racing reset can lose a
 * count or two at a bucket boundary, which a budget tolerates.
 */
public final class RetryBudget {

    private final double ratio;
    private final long floor;
    private final int seconds;
    private final LongSupplier nanoClock;
    private final AtomicLongArray stamps;
    private final AtomicLongArray requests;
    private final AtomicLongArray retries;

    /**
     * @param ratio retries allowed per request over the window (0.2 = 20%)
     * @param windowSeconds the window, in whole seconds (at least 1)
     * @param minPerSecond retries always allowed per second of window, however few the requests
     */
    public RetryBudget(double ratio, int windowSeconds, int minPerSecond, LongSupplier nanoClock) {
        this.ratio = ratio;
        this.seconds = Math.max(1, windowSeconds);
        this.floor = (long) minPerSecond * this.seconds;
        this.nanoClock = nanoClock;
        this.stamps = new AtomicLongArray(this.seconds);
        this.requests = new AtomicLongArray(this.seconds);
        this.retries = new AtomicLongArray(this.seconds);
        for (int i = 0; i < this.seconds; i++) {
            stamps.set(i, Long.MIN_VALUE);
        }
    }

    /** Counts one client request. */
    public void onRequest() {
        requests.incrementAndGet(bucket(currentSecond()));
    }

    /** Takes one retry (or hedge) from the budget; {@code false} when it is spent. */
    public boolean tryAcquire() {
        long now = currentSecond();
        long requestCount = 0;
        long retryCount = 0;
        for (int i = 0; i < seconds; i++) {
            long stamp = stamps.get(i);
            if (stamp > now - seconds) {
                requestCount += requests.get(i);
                retryCount += retries.get(i);
            }
        }
        if (retryCount >= floor + (long) (ratio * requestCount)) {
            return false;
        }
        retries.incrementAndGet(bucket(now));
        return true;
    }

    private long currentSecond() {
        return Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    }

    private int bucket(long second) {
        int index = (int) Math.floorMod(second, (long) seconds);
        long stamp = stamps.get(index);
        if (stamp != second && stamps.compareAndSet(index, stamp, second)) {
            requests.set(index, 0);
            retries.set(index, 0);
        }
        return index;
    }
}
