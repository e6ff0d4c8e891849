package dev.meridian.router.exchange;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Each region's live time to first byte, as a coarse histogram over the last 10 to 20 seconds,
 * for hedging delays at the region's p95.
 *
 * <p>Buckets grow by a quarter (about 12% error at any quantile) from 1 ms to beyond a minute.
 * Two windows alternate every 10 s: samples go to the current one, quantiles read both, and the
 * older one is cleared when it becomes current again. Lock-free: a sample racing a window switch
 * may land in the cleared window, which only loses that sample.
 */
public final class TimeToFirstByteTracker {

    private static final double GROWTH = 1.25;
    private static final int BUCKETS = 52; // 1 ms × 1.25^51 ≈ 88 s
    private static final long WINDOW_NANOS = 10_000_000_000L;
    /** Below this many samples a quantile is not trusted. */
    static final int MIN_SAMPLES = 20;

    private final LongSupplier nanoClock;
    private final Map<String, Region> regions = new ConcurrentHashMap<>();

    public TimeToFirstByteTracker(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Records one response's time to first byte for {@code region}. */
    public void record(String region, long nanos) {
        Region r = regions.get(region);
        if (r == null) {
            // Once per region name: computeIfAbsent locks a bin, so keep it off the per-request path.
            r = regions.computeIfAbsent(region, name -> new Region());
        }
        r.record(nanos, nanoClock.getAsLong());
    }

    /** The region's {@code quantile} time to first byte, or -1 with too few recent samples. */
    public long quantileNanos(String region, double quantile) {
        Region r = regions.get(region);
        return r == null ? -1 : r.quantile(quantile, nanoClock.getAsLong());
    }

    private static int bucketOf(long nanos) {
        double millis = nanos / 1e6;
        if (millis <= 1) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(millis) / Math.log(GROWTH)));
    }

    private static long upperBoundNanos(int bucket) {
        return (long) (Math.pow(GROWTH, bucket) * 1e6);
    }

    private static final class Region {
        private final AtomicLongArray[] windows = {new AtomicLongArray(BUCKETS), new AtomicLongArray(BUCKETS)};
        private final AtomicLong currentEpoch = new AtomicLong(Long.MIN_VALUE);

        void record(long nanos, long now) {
            windows[windowFor(now)].incrementAndGet(bucketOf(nanos));
        }

        long quantile(double quantile, long now) {
            windowFor(now);
            long[] counts = new long[BUCKETS];
            long total = 0;
            for (AtomicLongArray window : windows) {
                for (int i = 0; i < BUCKETS; i++) {
                    long c = window.get(i);
                    counts[i] += c;
                    total += c;
                }
            }
            if (total < MIN_SAMPLES) {
                return -1;
            }
            long rank = (long) Math.ceil(quantile * total);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return upperBoundNanos(i);
                }
            }
            return upperBoundNanos(BUCKETS - 1);
        }

        /** The window for {@code now}, clearing the one being reused when a new 10 s epoch starts. */
        private int windowFor(long now) {
            long epoch = Math.floorDiv(now, WINDOW_NANOS);
            long seen = currentEpoch.get();
            if (epoch != seen && currentEpoch.compareAndSet(seen, epoch)) {
                if (epoch - seen > 1) {
                    clear(windows[0]);
                    clear(windows[1]);
                } else {
                    clear(windows[(int) Math.floorMod(epoch, 2L)]);
                }
            }
            return (int) Math.floorMod(epoch, 2L);
        }

        private static void clear(AtomicLongArray window) {
            for (int i = 0; i < BUCKETS; i++) {
                window.set(i, 0);
            }
        }
    }
}
