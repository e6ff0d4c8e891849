package dev.meridian.router.controller;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * A ring of cumulative counter samples, one per evaluation, long enough for the long window; a
 * window's counters are the newest sample minus the newest one at least a window older (or the
 * oldest kept, while the ring is younger than the window).
 */
final class SliHistory {

    private record Sample(long nanos, Map<String, SliCounters> counters) {}

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final long keepNanos;

    /** @param keepNanos the longest window asked for */
    SliHistory(long keepNanos) {
        this.keepNanos = keepNanos;
    }

    /** The longest window this ring keeps samples for. */
    long keepNanos() {
        return keepNanos;
    }

    void add(long nanos, Map<String, SliCounters> counters) {
        samples.addLast(new Sample(nanos, Map.copyOf(counters)));
        // Keep one sample older than the longest window, so that a full window can be differenced.
        while (samples.size() > 2) {
            Iterator<Sample> it = samples.iterator();
            it.next();
            if (nanos - it.next().nanos() >= keepNanos) {
                samples.removeFirst();
            } else {
                break;
            }
        }
    }

    /** How much of a window the ring covers, in nanoseconds (0 with fewer than two samples). */
    long coveredNanos() {
        return samples.size() < 2 ? 0 : samples.getLast().nanos() - samples.getFirst().nanos();
    }

    /** {@code region}'s counters over the last {@code windowNanos}; zero with fewer than two samples. */
    SliCounters window(String region, long windowNanos) {
        if (samples.size() < 2) {
            return SliCounters.ZERO;
        }
        Sample newest = samples.getLast();
        Sample base = samples.getFirst();
        Iterator<Sample> it = samples.descendingIterator();
        it.next();
        while (it.hasNext()) {
            Sample s = it.next();
            if (newest.nanos() - s.nanos() >= windowNanos) {
                base = s;
                break;
            }
        }
        SliCounters now = newest.counters().getOrDefault(region, SliCounters.ZERO);
        return now.since(base.counters().getOrDefault(region, SliCounters.ZERO));
    }
}
