package dev.meridian.loadtest.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A scenario's timeline as a self-contained SVG: panels stacked over a shared time axis (seconds
 * since the load started), one line per series, vertical markers where the scenario did something
 * (killed a region, changed a weight) and the warm-up shaded.
 *
 * <pre>{@code
 * new TimelinePlot("region-outage")
 *     .panel("time to first byte p99 (ms)", true, Map.of("p99", p99PerSecond))
 *     .panel("per second", false, Map.of("us-east4", east, "errors", errors))
 *     .event(20, "us-east4 down")
 *     .shade(0, 5, "warm-up")
 *     .writeTo(Path.of("results/region-outage-timeline.svg"));
 * }</pre>
 *
 * <p>Series values are indexed by second: {@code values[i]} is drawn at {@code x = i + 1} (the end
 * of second {@code i + 1}). A logarithmic panel leaves out values of 0.
 */
public final class TimelinePlot {

    private static final String[] COLORS = {"#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};
    private static final String ERROR_COLOR = "#d62728";
    private static final int WIDTH = 960;
    private static final int LEFT = 80;
    private static final int RIGHT = 150;
    private static final int TOP = 50;
    private static final int PANEL_HEIGHT = 220;
    private static final int GAP = 50;
    private static final int BOTTOM = 50;

    private final String title;
    private final List<Panel> panels = new ArrayList<>();
    private final List<Object[]> events = new ArrayList<>();
    private final List<Object[]> shades = new ArrayList<>();

    private record Panel(String label, boolean log, Map<String, double[]> series) {
    }

    public TimelinePlot(String title) {
        this.title = title;
    }

    /** A panel; a series named {@code errors...} is drawn in red. */
    public TimelinePlot panel(String label, boolean logarithmic, Map<String, double[]> series) {
        panels.add(new Panel(label, logarithmic, new LinkedHashMap<>(series)));
        return this;
    }

    /** A vertical marker at {@code seconds}. */
    public TimelinePlot event(double seconds, String label) {
        events.add(new Object[] {seconds, label});
        return this;
    }

    /** A shaded interval. */
    public TimelinePlot shade(double fromSeconds, double toSeconds, String label) {
        shades.add(new Object[] {fromSeconds, toSeconds, label});
        return this;
    }

    /** Writes the SVG to {@code file}, creating its directory when missing. */
    public void writeTo(Path file) {
        SvgDocument.write(file, toSvg());
    }

    /** The SVG document. */
    public String toSvg() {
        int height = TOP + panels.size() * (PANEL_HEIGHT + GAP) - GAP + BOTTOM;
        int seconds = 1;
        for (Panel panel : panels) {
            for (double[] values : panel.series().values()) {
                seconds = Math.max(seconds, values.length);
            }
        }
        double plotWidth = WIDTH - LEFT - RIGHT;
        double xScale = plotWidth / seconds;
        SvgDocument svg = new SvgDocument(WIDTH, height, 12, title, (LEFT + WIDTH - RIGHT) / 2, 28, 16);
        for (int p = 0; p < panels.size(); p++) {
            Panel panel = panels.get(p);
            int top = TOP + p * (PANEL_HEIGHT + GAP);
            int bottom = top + PANEL_HEIGHT;
            for (Object[] shade : shades) {
                double x1 = LEFT + (double) shade[0] * xScale;
                double x2 = LEFT + (double) shade[1] * xScale;
                svg.add("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f0f0f0\"/>%n",
                        x1, top, Math.max(0, x2 - x1), PANEL_HEIGHT);
                if (p == 0) {
                    svg.add("<text x=\"%.1f\" y=\"%d\" fill=\"#888888\">%s</text>%n",
                            x1 + 4, top + 14, SvgDocument.escape((String) shade[2]));
                }
            }
            double max = 0;
            double minPositive = Double.MAX_VALUE;
            for (double[] values : panel.series().values()) {
                for (double v : values) {
                    max = Math.max(max, v);
                    if (v > 0) {
                        minPositive = Math.min(minPositive, v);
                    }
                }
            }
            Axis axis = panel.log() ? Axis.log(minPositive, max) : Axis.linear(max);
            svg.raw("<g stroke=\"#dddddd\">\n");
            for (double tick : axis.ticks()) {
                double y = bottom - axis.fraction(tick) * PANEL_HEIGHT;
                svg.add("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n", LEFT, y, WIDTH - RIGHT, y);
            }
            svg.raw("</g>\n<g fill=\"#333333\">\n");
            for (double tick : axis.ticks()) {
                double y = bottom - axis.fraction(tick) * PANEL_HEIGHT;
                svg.add("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                        LEFT - 6, y + 4, number(tick));
            }
            svg.add("<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>%n",
                    LEFT, top - 8, SvgDocument.escape(panel.label()));
            int xStep = niceSeconds(seconds);
            for (int s = 0; s <= seconds; s += xStep) {
                svg.add("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
                        LEFT + s * xScale, bottom + 16, s);
            }
            svg.raw("</g>\n");
            svg.add("<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"none\" stroke=\"#888888\"/>%n",
                    LEFT, top, plotWidth, PANEL_HEIGHT);
            int index = 0;
            int legendY = top + 10;
            for (Map.Entry<String, double[]> series : panel.series().entrySet()) {
                String color = series.getKey().startsWith("errors") ? ERROR_COLOR : COLORS[index++ % COLORS.length];
                StringBuilder points = new StringBuilder();
                double[] values = series.getValue();
                for (int i = 0; i < values.length; i++) {
                    if (panel.log() && values[i] <= 0) {
                        if (points.length() > 0) {
                            polyline(svg, color, points);
                            points.setLength(0);
                        }
                        continue;
                    }
                    double y = bottom - axis.fraction(values[i]) * PANEL_HEIGHT;
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + (i + 1) * xScale, y));
                }
                polyline(svg, color, points);
                svg.add("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        WIDTH - RIGHT + 10, legendY, WIDTH - RIGHT + 30, legendY, color);
                svg.add("<text x=\"%d\" y=\"%d\">%s</text>%n",
                        WIDTH - RIGHT + 35, legendY + 4, SvgDocument.escape(series.getKey()));
                legendY += 18;
            }
            for (Object[] event : events) {
                double x = LEFT + (double) event[0] * xScale;
                svg.add("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555555\" "
                        + "stroke-dasharray=\"5 4\"/>%n", x, top, x, bottom);
                if (p == 0) {
                    svg.add("<text x=\"%.1f\" y=\"%d\" fill=\"#555555\">%s</text>%n",
                            x + 4, top + 28, SvgDocument.escape((String) event[1]));
                }
            }
        }
        svg.add("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since the load started</text>%n",
                (LEFT + WIDTH - RIGHT) / 2, height - 12);
        return svg.end();
    }

    private static void polyline(SvgDocument svg, String color, StringBuilder points) {
        if (points.length() == 0) {
            return;
        }
        svg.add("<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"%s\" points=\"%s\"/>%n", color, points.toString().strip());
    }

    private static int niceSeconds(int seconds) {
        for (int step : new int[] {1, 2, 5, 10, 15, 30, 60, 120, 300, 600}) {
            if (seconds / step <= 12) {
                return step;
            }
        }
        return 1200;
    }

    private static String number(double value) {
        if (value >= 1000 && value % 1000 == 0) {
            return (long) (value / 1000) + "k";
        }
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.2g", value);
    }

    /** A y axis: where a value falls (0..1) and where the grid lines go. */
    private interface Axis {
        double fraction(double value);

        List<Double> ticks();

        static Axis linear(double max) {
            double step = SvgDocument.niceStep(Math.max(max, 1) / 5);
            double top = Math.max(step, Math.ceil(Math.max(max, 1) / step) * step);
            return new Axis() {
                @Override
                public double fraction(double value) {
                    return Math.max(0, Math.min(1, value / top));
                }

                @Override
                public List<Double> ticks() {
                    List<Double> ticks = new ArrayList<>();
                    for (double t = 0; t <= top + step / 2; t += step) {
                        ticks.add(t);
                    }
                    return ticks;
                }
            };
        }

        static Axis log(double minPositive, double max) {
            double low = Math.floor(Math.log10(minPositive == Double.MAX_VALUE ? 1 : minPositive));
            double high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
            return new Axis() {
                @Override
                public double fraction(double value) {
                    return Math.max(0, Math.min(1, (Math.log10(value) - low) / (high - low)));
                }

                @Override
                public List<Double> ticks() {
                    List<Double> ticks = new ArrayList<>();
                    for (double e = low; e <= high; e++) {
                        ticks.add(Math.pow(10, e));
                    }
                    return ticks;
                }
            };
        }
    }
}
