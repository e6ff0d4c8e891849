package dev.meridian.health;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The calls of one region's breaker over its last {@code breaker.window}, kept while the breaker
 * is closed, and the rule that opens it: at least {@code minimum-calls} calls in the window and a
 * failure rate or slow-call rate at or above its threshold (Resilience4j's rule, on the same
 * rates). Recording a call allocates nothing: Resilience4j's lock-free time window copies its
 * time slice and makes a snapshot on every call.
 *
 * <p>The window is a ring of slices on the registry's nano clock: one second each, like
 * Resilience4j's, for windows up to {@value #MAX_SLICES} seconds; longer windows are cut into
 * {@value #MAX_SLICES} equal slices, so that adding up the window stays cheap. Each slice is one
 * {@code long}, updated by compare-and-set: the slice's cycle (which turn of the ring it counts)
 * and its calls, failures and slow calls. A slice counts at most {@value #MAX_PER_SLICE} calls;
 * further calls in the same slice are not counted, so the rates are those of its first calls.
 */
final class BreakerWindow {

    static final int MAX_SLICES = 64;
    static final int MAX_PER_SLICE = (1 << 15) - 1;

    private static final int COUNT_BITS = 15;
    private static final long COUNT_MASK = MAX_PER_SLICE;
    private static final int FAILURES_SHIFT = COUNT_BITS;
    private static final int SLOW_SHIFT = 2 * COUNT_BITS;
    private static final int CYCLE_SHIFT = 3 * COUNT_BITS;
    /**
     * 19 bits: a slice left untouched for 2^19 turns of the ring (6 days for a 1 s window) may be
     * taken for current, and one left untouched for a few turns less for a later turn.
     */
    private static final long CYCLE_MASK = (1L << (Long.SIZE - CYCLE_SHIFT)) - 1;
    /**
     * A slice whose turn is at most this many turns ahead of a call's is a later turn than the
     * call's: another thread started it while this one was held up between reading the clock and
     * counting, so the call has left the window and must not wipe the later turn's calls.
     */
    private static final long MAX_TURNS_LATE = 8;
    private static final long ONE_SECOND = 1_000_000_000L;
    /** The window's totals: at most {@value #MAX_SLICES} slices of {@value #MAX_PER_SLICE} calls fit in 21 bits. */
    private static final int TOTAL_BITS = 21;
    private static final long TOTAL_MASK = (1L << TOTAL_BITS) - 1;

    private final AtomicLongArray slices;
    private final long sliceNanos;
    private final int minimumCalls;
    private final float failureRateThreshold;
    private final float slowCallRateThreshold;
    private final LongSupplier nanoClock;

    BreakerWindow(long windowSeconds, int minimumCalls, float failureRateThreshold, float slowCallRateThreshold,
            LongSupplier nanoClock) {
        int count = (int) Math.min(windowSeconds, MAX_SLICES);
        this.slices = new AtomicLongArray(count);
        this.sliceNanos = windowSeconds * ONE_SECOND / count;
        this.minimumCalls = minimumCalls;
        this.failureRateThreshold = failureRateThreshold;
        this.slowCallRateThreshold = slowCallRateThreshold;
        this.nanoClock = nanoClock;
        reset();
    }

    /** Records one call; true when the window now calls for the breaker to open. Any thread; never blocks. */
    boolean record(boolean failed, boolean slow) {
        long slice = currentSlice();
        int index = Math.floorMod(slice, slices.length());
        long cycle = Math.floorDiv(slice, slices.length()) & CYCLE_MASK;
        long add = 1 | (failed ? 1L << FAILURES_SHIFT : 0) | (slow ? 1L << SLOW_SHIFT : 0);
        while (true) {
            long current = slices.get(index);
            long next;
            long turn = current >>> CYCLE_SHIFT;
            if (turn != cycle) {
                if ((turn - cycle & CYCLE_MASK) <= MAX_TURNS_LATE) {
                    break; // a later turn: this call, held up since it read the clock, has left the window
                }
                next = cycle << CYCLE_SHIFT | add; // the slice's previous turn has left the window
            } else if ((current & COUNT_MASK) == COUNT_MASK) {
                break; // full: this slice's rates are those of its first calls
            } else {
                next = current + add;
            }
            if (slices.compareAndSet(index, current, next)) {
                break;
            }
        }
        return exceeded(slice);
    }

    /** Whether the calls now in the window open the breaker. */
    boolean exceeded() {
        return exceeded(currentSlice());
    }

    private boolean exceeded(long slice) {
        long totals = totals(slice);
        int calls = calls(totals);
        if (calls == 0 || calls < minimumCalls) {
            return false;
        }
        return rate(failures(totals), calls) >= failureRateThreshold || rate(slowCalls(totals), calls) >= slowCallRateThreshold;
    }

    /** The percentage of failed calls in the window, or -1 below {@code minimum-calls} (as Resilience4j reports it). */
    float failureRate() {
        long totals = totals();
        int calls = calls(totals);
        return calls == 0 || calls < minimumCalls ? -1 : rate(failures(totals), calls);
    }

    /** The percentage of slow calls in the window, or -1 below {@code minimum-calls}. */
    float slowCallRate() {
        long totals = totals();
        int calls = calls(totals);
        return calls == 0 || calls < minimumCalls ? -1 : rate(slowCalls(totals), calls);
    }

    /** The calls in the window. */
    int calls() {
        return calls(totals());
    }

    /** Forgets every call (a closing breaker starts with an empty window, as Resilience4j's does). */
    void reset() {
        long now = currentSlice();
        int n = slices.length();
        for (int age = 0; age < n; age++) {
            long slice = now - age;
            // no calls in the slice's current turn: not a turn a late call could take for a later one
            slices.set(Math.floorMod(slice, n), (Math.floorDiv(slice, n) & CYCLE_MASK) << CYCLE_SHIFT);
        }
    }

    /**
     * The window's calls, failures and slow calls now, packed like a slice but 21 bits each (at
     * most 64 slices of 15 bits).
     */
    private long totals() {
        return totals(currentSlice());
    }

    /** The totals of the window that ends with slice {@code now}. */
    private long totals(long now) {
        int n = slices.length();
        long calls = 0;
        long failures = 0;
        long slow = 0;
        for (int age = 0; age < n; age++) {
            long slice = now - age;
            long value = slices.get(Math.floorMod(slice, n));
            if (value >>> CYCLE_SHIFT == (Math.floorDiv(slice, n) & CYCLE_MASK)) {
                calls += value & COUNT_MASK;
                failures += value >>> FAILURES_SHIFT & COUNT_MASK;
                slow += value >>> SLOW_SHIFT & COUNT_MASK;
            }
        }
        return calls | failures << TOTAL_BITS | slow << 2 * TOTAL_BITS;
    }

    private long currentSlice() {
        return Math.floorDiv(nanoClock.getAsLong(), sliceNanos);
    }

    private static int calls(long totals) {
        return (int) (totals & TOTAL_MASK);
    }

    private static int failures(long totals) {
        return (int) (totals >>> TOTAL_BITS & TOTAL_MASK);
    }

    private static int slowCalls(long totals) {
        return (int) (totals >>> 2 * TOTAL_BITS & TOTAL_MASK);
    }

    private static float rate(int part, int calls) {
        return part * 100.0f / calls;
    }
}
