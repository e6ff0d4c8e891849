package dev.meridian.loadtest.load;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A latency-by-percentile plot as a self-contained SVG, the picture HdrHistogram's plotter draws:
 * the x axis is percentile on a log "nines" scale (0%, 90%, 99%, 99.9%, ... equally spaced, so the
 * tail gets as much room as the body), the y axis is latency in milliseconds, one line per series,
 * with a legend. Hand-written SVG: no plotting dependency, opens in any browser.
 *
 * <pre>{@code
 * LatencyPlot.of("completions, 2000/s", Map.of(
 *         "direct", direct.total(),
 *         "through meridian", proxied.total()))
 *     .writeTo(Path.of("results/completions.svg"));
 * }</pre>
 *
 * <p>Reading it: a flat line is a tight distribution; where a line turns up is where its tail
 * starts; the right edge is the maximum. The axis goes as far right as the largest series has
 * samples to support (99.9% needs a thousand), at least to 99%.
 *
 * @see LoadResult#writeSvgPlot(Path, String, Map)
 */
public final class LatencyPlot {

    static final String[] COLORS = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
    };
    /** The first line solid, later ones dashed, so a line drawn over an identical one leaves it visible. */
    static final String[] DASHES = {"", "9 5", "3 4", "12 4 3 4"};

    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final int MIN_NINES = 2;
    private static final int MAX_NINES = 6;
    private static final int TICKS_PER_HALF_DISTANCE = 8;

    private final String title;
    private final Map<String, Histogram> series;

    private LatencyPlot(String title, Map<String, Histogram> series) {
        this.title = title;
        this.series = series;
    }

    /**
     * A plot of these series; histogram values are microseconds (as a {@link LoadResult} records
     * them). The histograms are copied, and drawn in the map's iteration order.
     */
    public static LatencyPlot of(String title, Map<String, ? extends Histogram> seriesMicros) {
        requireNonNull(title, "title");
        requireNonNull(seriesMicros, "seriesMicros");
        Map<String, Histogram> copies = new LinkedHashMap<>();
        seriesMicros.forEach((label, histogram) -> copies.put(requireNonNull(label, "label"), histogram.copy()));
        return new LatencyPlot(title, copies);
    }

    /** Writes the SVG to {@code file}, creating its directory when missing. */
    public void writeTo(Path file) {
        SvgDocument.write(file, toSvg());
    }

    /** The SVG document. */
    public String toSvg() {
        int nines = axisNines();
        double maxMillis = 0;
        for (Histogram histogram : series.values()) {
            if (histogram.getTotalCount() > 0) {
                maxMillis = Math.max(maxMillis, histogram.getMaxValue() / 1000.0);
            }
        }
        double step = SvgDocument.niceStep(Math.max(maxMillis, 0.001) / 5);
        double yTop = Math.max(step, Math.ceil(maxMillis / step) * step);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;

        SvgDocument svg = new SvgDocument(WIDTH, HEIGHT, 13, title, WIDTH / 2, 32, 18);

        // Horizontal grid and the latency axis.
        svg.raw("<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
        for (double y = 0; y <= yTop + step / 2; y += step) {
            double py = TOP + plotHeight * (1 - y / yTop);
            svg.add("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n",
                    LEFT, py, WIDTH - RIGHT, py);
        }
        // Vertical grid at 0%, 90%, 99%, ... and a lighter one at 50%.
        for (int k = 0; k <= nines; k++) {
            double px = LEFT + plotWidth * k / nines;
            svg.add("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n",
                    px, TOP, px, HEIGHT - BOTTOM);
        }
        double median = LEFT + plotWidth * Math.log10(2) / nines;
        svg.add("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke-dasharray=\"4 4\"/>%n", median, TOP, median, HEIGHT - BOTTOM);
        svg.raw("</g>\n");

        svg.raw("<g fill=\"#333333\">\n");
        for (double y = 0; y <= yTop + step / 2; y += step) {
            double py = TOP + plotHeight * (1 - y / yTop);
            svg.add("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 8, py + 4, formatNumber(y));
        }
        for (int k = 0; k <= nines; k++) {
            double px = LEFT + plotWidth * k / nines;
            svg.add("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px, HEIGHT - BOTTOM + 20, percentileLabel(k));
        }
        svg.add("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#777777\">50%%</text>%n",
                median, HEIGHT - BOTTOM + 20);
        svg.add("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">Percentile</text>%n",
                LEFT + plotWidth / 2, HEIGHT - 22);
        svg.add("<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">Latency (ms)</text>%n",
                TOP + plotHeight / 2, TOP + plotHeight / 2);
        svg.raw("</g>\n");
        svg.add("<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888888\"/>%n",
                LEFT, TOP, plotWidth, plotHeight);

        // One line per series.
        int index = 0;
        for (Map.Entry<String, Histogram> entry : series.entrySet()) {
            Histogram histogram = entry.getValue();
            String color = COLORS[index % COLORS.length];
            if (histogram.getTotalCount() > 0) {
                StringBuilder line = new StringBuilder("<polyline fill=\"none\" stroke=\"").append(color).append('"').append(dash(index))
                        .append(" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"");
                for (double[] point : points(histogram, nines)) {
                    double px = LEFT + plotWidth * point[0] / nines;
                    double py = TOP + plotHeight * (1 - point[1] / yTop);
                    line.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                }
                line.setLength(line.length() - 1);
                svg.raw(line.append("\"><title>").append(SvgDocument.escape(entry.getKey())).append("</title></polyline>\n"));
            }
            index++;
        }

        // Legend, top left inside the plot (lines start low there).
        int legendX = LEFT + 14;
        int legendY = TOP + 14;
        int lineHeight = 20;
        int legendWidth = 0;
        List<String> labels = new ArrayList<>();
        for (Map.Entry<String, Histogram> entry : series.entrySet()) {
            String label = legendLabel(entry.getKey(), entry.getValue());
            labels.add(label);
            legendWidth = Math.max(legendWidth, label.length() * 7 + 44);
        }
        if (!labels.isEmpty()) {
            svg.add("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbbbbb\"/>%n",
                    legendX - 8, legendY - 8, legendWidth, labels.size() * lineHeight + 8);
        }
        for (int i = 0; i < labels.size(); i++) {
            int y = legendY + i * lineHeight + 8;
            String color = COLORS[i % COLORS.length];
            svg.add("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s stroke-width=\"3\"/>%n",
                    legendX, y, legendX + 24, y, color, dash(i));
            svg.add("<text x=\"%d\" y=\"%d\">%s</text>%n",
                    legendX + 32, y + 4, SvgDocument.escape(labels.get(i)));
        }
        return svg.end();
    }

    private static String dash(int index) {
        String pattern = DASHES[index % DASHES.length];
        return pattern.isEmpty() ? "" : " stroke-dasharray=\"" + pattern + "\"";
    }

    /**
     * How many nines the x axis shows: as many as the largest series' sample count supports (99.9%
     * needs a thousand samples to be more than the maximum), 2..6.
     */
    int axisNines() {
        long largest = 0;
        for (Histogram histogram : series.values()) {
            largest = Math.max(largest, histogram.getTotalCount());
        }
        int nines = largest <= 1 ? MIN_NINES : (int) Math.floor(Math.log10(largest));
        return Math.max(MIN_NINES, Math.min(MAX_NINES, nines));
    }

    /** (nines, milliseconds) points of a histogram's percentile curve, clipped to the axis, ending at the maximum. */
    static List<double[]> points(Histogram histogram, int axisNines) {
        List<double[]> points = new ArrayList<>();
        for (HistogramIterationValue value : histogram.percentiles(TICKS_PER_HALF_DISTANCE)) {
            double level = value.getPercentileLevelIteratedTo() / 100.0;
            double nines = level >= 1 ? axisNines : Math.min(axisNines, -Math.log10(1 - level));
            double millis = histogram.highestEquivalentValue(value.getValueIteratedTo()) / 1000.0;
            points.add(new double[] {nines, Math.min(millis, histogram.getMaxValue() / 1000.0)});
            if (nines >= axisNines) {
                break;
            }
        }
        // The right edge is the maximum, whatever the last percentile step reached.
        points.add(new double[] {axisNines, histogram.getMaxValue() / 1000.0});
        return points;
    }

    /** {@code 0%}, {@code 90%}, {@code 99%}, {@code 99.9%}, ... */
    static String percentileLabel(int nines) {
        if (nines == 0) {
            return "0%";
        }
        StringBuilder label = new StringBuilder("9");
        label.append(nines >= 2 ? "9" : "0");
        if (nines > 2) {
            label.append('.');
            label.append("9".repeat(nines - 2));
        }
        return label.append('%').toString();
    }

    private static String legendLabel(String name, Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return name + " (no samples)";
        }
        return String.format(Locale.ROOT, "%s   p50 %s  p99 %s  max %s ms  (n=%d)", name,
                formatMillis(histogram.getValueAtPercentile(50)), formatMillis(histogram.getValueAtPercentile(99)),
                formatMillis(histogram.getMaxValue()), histogram.getTotalCount());
    }

    private static String formatMillis(long micros) {
        return ProgressLine.millis(micros / 1000.0);
    }

    private static String formatNumber(double value) {
        String text = String.format(Locale.ROOT, "%.3f", value);
        text = text.replaceAll("0+$", "");
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }
}
