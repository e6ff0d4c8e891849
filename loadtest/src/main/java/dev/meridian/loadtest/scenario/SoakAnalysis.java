package dev.meridian.loadtest.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The arithmetic behind the soak report's verdicts, apart from any measuring so that it can be
 * tested on made-up readings: the trend of a series (least-squares slope, per 10 minutes), whether
 * a figure is back to its baseline, and how far latency drifted.
 */
final class SoakAnalysis {

    private static final double TEN_MINUTES_MILLIS = 600_000;

    private SoakAnalysis() {
    }

    /**
     * A series' trend over the points at or after {@code fromMillis}.
     *
     * @param slopePerTenMinutes the least-squares slope, in the series' unit per 10 minutes; NaN with
     *     fewer than two points (or all at one time)
     */
    record Trend(int points, double slopePerTenMinutes, double min, double max) {

        double range() {
            return points == 0 ? Double.NaN : max - min;
        }

        /** Flat: a slope of at most {@code limit} per 10 minutes either way (false when there is no slope). */
        boolean flat(double limit) {
            return !Double.isNaN(slopePerTenMinutes) && Math.abs(slopePerTenMinutes) <= limit;
        }
    }

    static Trend trend(long[] millis, double[] values, long fromMillis) {
        if (millis.length != values.length) {
            throw new IllegalArgumentException("millis: " + millis.length + " values, values: " + values.length
                    + " (expected: as many)");
        }
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < millis.length; i++) {
            if (millis[i] >= fromMillis && !Double.isNaN(values[i])) {
                kept.add(new double[] {millis[i], values[i]});
            }
        }
        if (kept.isEmpty()) {
            return new Trend(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double meanX = 0;
        double meanY = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] point : kept) {
            meanX += point[0];
            meanY += point[1];
            min = Math.min(min, point[1]);
            max = Math.max(max, point[1]);
        }
        meanX /= kept.size();
        meanY /= kept.size();
        double covariance = 0;
        double variance = 0;
        for (double[] point : kept) {
            covariance += (point[0] - meanX) * (point[1] - meanY);
            variance += (point[0] - meanX) * (point[0] - meanX);
        }
        double slope = variance == 0 ? Double.NaN : covariance / variance * TEN_MINUTES_MILLIS;
        return new Trend(kept.size(), slope, min, max);
    }

    /**
     * Whether {@code after} is back to {@code baseline}: at most {@code max(absolute, relative x
     * baseline)} above it (falling below a baseline is never a leak).
     */
    static boolean backToBaseline(double baseline, double after, double relative, double absolute) {
        return after <= baseline + Math.max(absolute, relative * baseline);
    }

    /** How much a latency figure moved from the first window to the last, and whether within the allowance. */
    record Drift(double firstMillis, double lastMillis, double allowedRatio, double allowedMillis) {

        double ratio() {
            return firstMillis <= 0 ? Double.NaN : lastMillis / firstMillis;
        }

        /** Within: the last at most {@code first x allowedRatio + allowedMillis}. */
        boolean within() {
            return lastMillis <= firstMillis * allowedRatio + allowedMillis;
        }

        String describe() {
            return String.format(Locale.ROOT, "%.2f ms -> %.2f ms (%s)", firstMillis, lastMillis,
                    Double.isNaN(ratio()) ? "n/a" : String.format(Locale.ROOT, "x%.2f", ratio()));
        }
    }

    /**
     * How many whole minutes the drift compares at each end: five, or half the minutes when there are
     * fewer than ten (at least one; 0 when there are fewer than two minutes).
     */
    static int driftWindowMinutes(int minutes) {
        return minutes < 2 ? 0 : Math.min(5, minutes / 2);
    }
}
