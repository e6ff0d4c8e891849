package dev.meridian.router.controller;

/**
 * A region's SLIs over the short and long windows, and how fast each burns its error budget:
 * burn rate = bad fraction / (1 − objective). A burn rate is NaN when its window saw no traffic.
 *
 * @param shortWindow the counters of the short window
 * @param longWindow the counters of the long window
 * @param availabilityShort the availability burn rate over the short window
 * @param availabilityLong the availability burn rate over the long window
 * @param apdexShort the Apdex burn rate over the short window
 * @param apdexLong the Apdex burn rate over the long window
 */
record Burn(SliCounters shortWindow, SliCounters longWindow, double availabilityShort, double availabilityLong,
        double apdexShort, double apdexLong) {

    /** No traffic at all. */
    static final Burn NONE = of(SliCounters.ZERO, SliCounters.ZERO, 0.999, 0.995);

    /** The burn rates of two windows against the objectives (fractions, e.g. 0.999). */
    static Burn of(SliCounters shortWindow, SliCounters longWindow, double availability, double apdex) {
        return new Burn(shortWindow, longWindow,
                shortWindow.errorRatio() / (1 - availability), longWindow.errorRatio() / (1 - availability),
                (1 - shortWindow.apdex()) / (1 - apdex), (1 - longWindow.apdex()) / (1 - apdex));
    }

    /** Either objective burns faster than {@code threshold} in both windows (NaN never burns). */
    boolean burnsFasterThan(double threshold) {
        return (availabilityShort > threshold && availabilityLong > threshold)
                || (apdexShort > threshold && apdexLong > threshold);
    }

    /** The short window burns neither budget as fast as it is earned (no traffic is calm). */
    boolean calm() {
        return !(availabilityShort >= 1) && !(apdexShort >= 1);
    }

    /** The larger short-window burn rate, 0 without traffic: what a neighbour's state is judged by. */
    double shortMax() {
        return Math.max(zeroIfNaN(availabilityShort), zeroIfNaN(apdexShort));
    }

    private static double zeroIfNaN(double value) {
        return Double.isNaN(value) ? 0 : value;
    }
}
