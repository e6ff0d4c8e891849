package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a load run measured: four latency histograms (microseconds), counts of requests, responses
 * and errors by kind, the achieved rate, and a per-second timeline. Only requests whose intended
 * send time fell inside the measured window (after the warm-up) count; immutable.
 *
 * <pre>{@code
 * LoadResult result = LoadGenerator.run(spec);
 * long p99Micros = result.total().getValueAtPercentile(99);
 * result.writeJson(Path.of("results/run1.json"));
 * result.writeHgrm(Path.of("results/run1.hgrm"));
 * result.writeSvgPlot(Path.of("results/run1.svg"), "completions at 2000/s");
 * LoadResult.writeSvgPlot(Path.of("results/compare.svg"), "direct vs meridian",
 *         Map.of("direct", direct, "meridian", proxied));
 * }</pre>
 *
 * <p>{@link #ttfb()} and {@link #total()} count from the intended send time (what a client that
 * wanted to send at that moment experiences); {@link #serviceTtfb()} and {@link #serviceTotal()}
 * from the actual send (what the server took). Every complete response is recorded, whatever its
 * status; requests without a complete response (timeouts, resets) are not, and are counted in
 * {@link #errors()} instead.
 */
public final class LoadResult {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double[] SUMMARY_PERCENTILES = {50, 75, 90, 99, 99.9, 99.99};

    private final LoadSpec spec;
    private final String transport;
    private final int eventLoops;
    private final Duration measuredDuration;
    private final Map<LatencyMeasure, Histogram> histograms;
    private final long sent;
    private final long requests;
    private final long unsent;
    private final long warmupSkipped;
    private final long bytes;
    private final Map<ErrorKind, Long> errors;
    private final long[] statusClasses;
    private final List<TimelineSecond> timeline;

    LoadResult(LoadSpec spec, String transport, int eventLoops, Duration measuredDuration,
            LoadMeasurements.MeasuredTotals totals, List<TimelineSecond> timeline) {
        this.spec = spec;
        this.transport = transport;
        this.eventLoops = eventLoops;
        this.measuredDuration = measuredDuration;
        this.histograms = Collections.unmodifiableMap(new EnumMap<>(totals.histograms()));
        this.sent = totals.sent();
        this.requests = totals.responses();
        this.unsent = totals.unsent();
        this.warmupSkipped = totals.warmupSkipped();
        this.bytes = totals.bytes();
        this.errors = Collections.unmodifiableMap(new EnumMap<>(totals.errors()));
        this.statusClasses = totals.statusClasses().clone();
        this.timeline = List.copyOf(timeline);
    }

    /** The spec that was run. */
    public LoadSpec spec() {
        return spec;
    }

    /** Time to first byte from the intended send time, in microseconds (a copy). */
    public Histogram ttfb() {
        return histogram(LatencyMeasure.TTFB);
    }

    /** Time to last byte from the intended send time, in microseconds (a copy). */
    public Histogram total() {
        return histogram(LatencyMeasure.TOTAL);
    }

    /** Time to first byte from the actual send, without queueing for a connection (a copy). */
    public Histogram serviceTtfb() {
        return histogram(LatencyMeasure.SERVICE_TTFB);
    }

    /** Time to last byte from the actual send (a copy). */
    public Histogram serviceTotal() {
        return histogram(LatencyMeasure.SERVICE_TOTAL);
    }

    /** One of the four latency histograms, in microseconds (a copy). */
    public Histogram histogram(LatencyMeasure measure) {
        return histograms.get(measure).copy();
    }

    /** Requests that got a complete response (any status). */
    public long requests() {
        return requests;
    }

    /** Requests written to a connection. */
    public long sent() {
        return sent;
    }

    /**
     * Open loop: requests due in the warm-up that were still unsent when it ended (the load
     * generator was behind its schedule); they are dropped so the measured seconds start on time.
     */
    public long warmupSkipped() {
        return warmupSkipped;
    }

    /** Open loop, after {@link LoadGenerator#stop()}: requests that were due but never sent. */
    public long unsent() {
        return unsent;
    }

    /** Response body bytes received (after de-chunking). */
    public long bytesReceived() {
        return bytes;
    }

    /** Errors by kind, every kind present (0 when none). */
    public Map<ErrorKind, Long> errors() {
        return errors;
    }

    /** Errors of one kind. */
    public long errors(ErrorKind kind) {
        return errors.get(kind);
    }

    /** Errors of every kind. */
    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Responses by status class, {@code "2xx"} to {@code "5xx"}, only the classes seen. */
    public Map<String, Long> responsesByStatusClass() {
        Map<String, Long> classes = new LinkedHashMap<>();
        for (int i = 1; i < statusClasses.length; i++) {
            if (statusClasses[i] > 0) {
                classes.put(i + "xx", statusClasses[i]);
            }
        }
        return classes;
    }

    /** Complete responses per second of the measured window. */
    public double achievedRate() {
        double seconds = measuredDuration.toNanos() / 1e9;
        return seconds <= 0 ? 0 : requests / seconds;
    }

    /** How long the measured window lasted: the spec's duration, or less when the run was stopped early. */
    public Duration measuredDuration() {
        return measuredDuration;
    }

    /** The measured seconds (warm-up left out), in order; see {@link TimelineSecond} for how they count. */
    public List<TimelineSecond> timeline() {
        return timeline;
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return transport;
    }

    /**
     * A plain-text summary: what ran, the counts, the errors and a table of latency percentiles
     * (milliseconds) for the four measures.
     */
    public String summary() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "target      %s  (%s)%n", spec.target(), spec.mix()));
        text.append(String.format(Locale.ROOT, "load        %s, %d connections, %s measured%s%n",
                spec.describeLoad(), spec.connections(), seconds(measuredDuration),
                spec.warmup().isZero() ? "" : " after a " + seconds(spec.warmup()) + " warm-up"));
        text.append(String.format(Locale.ROOT, "requests    %d completed (%.1f/s), %d sent%s, %s received%n",
                requests, achievedRate(), sent, unsent > 0 ? ", " + unsent + " unsent" : "", bytes(bytes)));
        if (warmupSkipped > 0) {
            text.append(String.format(Locale.ROOT, "warm-up     %d requests skipped: the load generator was behind its schedule"
                    + " when the warm-up ended%n", warmupSkipped));
        }
        StringBuilder classes = new StringBuilder();
        responsesByStatusClass().forEach((name, count) -> classes.append(name).append(' ').append(count).append("  "));
        text.append("responses   ").append(classes.length() == 0 ? "none" : classes.toString().strip()).append('\n');
        StringBuilder errorText = new StringBuilder();
        errors.forEach((kind, count) -> {
            if (count > 0) {
                errorText.append(errorText.length() == 0 ? ": " : ", ").append(kind.label()).append(' ').append(count);
            }
        });
        text.append("errors      ").append(errorCount()).append(errorText).append('\n');
        text.append(String.format(Locale.ROOT, "%-28s%9s%9s%9s%9s%9s%9s%9s%9s%n",
                "latency (ms)", "p50", "p75", "p90", "p99", "p99.9", "p99.99", "max", "mean"));
        for (LatencyMeasure measure : LatencyMeasure.values()) {
            Histogram histogram = histograms.get(measure);
            text.append(String.format(Locale.ROOT, "  %-26s", measure.label()));
            if (histogram.getTotalCount() == 0) {
                text.append("       no samples\n");
                continue;
            }
            for (double percentile : SUMMARY_PERCENTILES) {
                text.append(String.format(Locale.ROOT, "%9.3f", histogram.getValueAtPercentile(percentile) / 1000.0));
            }
            text.append(String.format(Locale.ROOT, "%9.3f%9.3f%n", histogram.getMaxValue() / 1000.0,
                    histogram.getMean() / 1000.0));
        }
        return text.toString();
    }

    /**
     * Writes the result as JSON: the spec, counts, errors, percentiles of each measure in
     * milliseconds, the timeline, and each histogram in HdrHistogram's compressed base64 form (so
     * runs can be combined or re-plotted later).
     */
    public void writeJson(Path file) {
        try {
            write(file, JSON.writeValueAsBytes(toJson()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON document {@link #writeJson} writes. */
    ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "meridian loadgen");
        root.put("target", spec.target().toString());
        root.put("mode", spec.mode() == LoadMode.OPEN_LOOP ? "open-loop" : "closed-loop");
        if (spec.mode() == LoadMode.OPEN_LOOP) {
            root.put("rate", spec.rate());
        } else {
            root.put("concurrency", spec.concurrency());
        }
        root.put("connections", spec.connections());
        root.put("eventLoops", eventLoops);
        root.put("transport", transport);
        root.put("durationSeconds", spec.duration().toNanos() / 1e9);
        root.put("warmupSeconds", spec.warmup().toNanos() / 1e9);
        root.put("timeoutSeconds", spec.timeout().toNanos() / 1e9);
        root.put("measuredSeconds", measuredDuration.toNanos() / 1e9);
        root.put("seed", spec.seed());
        ArrayNode mix = root.putArray("mix");
        for (RequestTemplate template : spec.mix().templates()) {
            mix.addObject().put("method", template.method()).put("path", template.path())
                    .put("weight", template.weight()).put("bodyBytes", template.bodyLength());
        }
        root.put("sent", sent);
        root.put("requests", requests);
        root.put("unsent", unsent);
        root.put("warmupSkipped", warmupSkipped);
        root.put("bytesReceived", bytes);
        root.put("achievedRate", achievedRate());
        ObjectNode responses = root.putObject("responses");
        responsesByStatusClass().forEach(responses::put);
        ObjectNode errorNode = root.putObject("errors");
        errorNode.put("total", errorCount());
        errors.forEach((kind, count) -> errorNode.put(kind.jsonKey(), count));
        ObjectNode latency = root.putObject("latencyMs");
        for (LatencyMeasure measure : LatencyMeasure.values()) {
            Histogram histogram = histograms.get(measure);
            ObjectNode node = latency.putObject(measure.jsonKey());
            node.put("count", histogram.getTotalCount());
            if (histogram.getTotalCount() > 0) {
                node.put("min", histogram.getMinValue() / 1000.0);
                node.put("mean", histogram.getMean() / 1000.0);
                for (double percentile : SUMMARY_PERCENTILES) {
                    node.put("p" + RequestTemplate.formatWeight(percentile), histogram.getValueAtPercentile(percentile) / 1000.0);
                }
                node.put("max", histogram.getMaxValue() / 1000.0);
            }
        }
        ArrayNode seconds = root.putArray("timeline");
        for (TimelineSecond second : timeline) {
            seconds.addObject()
                    .put("second", second.second())
                    .put("sent", second.sent())
                    .put("completed", second.completed())
                    .put("errors", second.errors())
                    .put("ttfbP50Ms", second.ttfbP50Millis())
                    .put("ttfbP99Ms", second.ttfbP99Millis())
                    .put("serviceTtfbP50Ms", second.serviceTtfbP50Millis());
        }
        ObjectNode encoded = root.putObject("histograms");
        encoded.put("unit", "microseconds");
        for (LatencyMeasure measure : LatencyMeasure.values()) {
            encoded.put(measure.jsonKey(), encode(histograms.get(measure)));
        }
        return root;
    }

    /** Writes the corrected time-to-last-byte histogram as an HdrHistogram percentile distribution (ms). */
    public void writeHgrm(Path file) {
        writeHgrm(file, LatencyMeasure.TOTAL);
    }

    /**
     * Writes one measure as HdrHistogram's percentile distribution text
     * ({@code outputPercentileDistribution}, values in milliseconds), the format HdrHistogram's
     * online plotter and wrk2's {@code --latency} output use.
     */
    public void writeHgrm(Path file, LatencyMeasure measure) {
        ByteArrayOutputStream bytesOut = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytesOut, true, UTF_8)) {
            histograms.get(measure).outputPercentileDistribution(out, 5, 1000.0);
        }
        write(file, bytesOut.toByteArray());
    }

    /**
     * Plots this run alone: time to first and last byte and, for an open loop, the service times
     * beside them (the gap between the two is queueing that a closed-loop tool would not show).
     */
    public void writeSvgPlot(Path file, String title) {
        Map<String, Histogram> series = new LinkedHashMap<>();
        series.put(LatencyMeasure.TOTAL.label(), histograms.get(LatencyMeasure.TOTAL));
        series.put(LatencyMeasure.TTFB.label(), histograms.get(LatencyMeasure.TTFB));
        if (spec.mode() == LoadMode.OPEN_LOOP) {
            series.put(LatencyMeasure.SERVICE_TOTAL.label(), histograms.get(LatencyMeasure.SERVICE_TOTAL));
            series.put(LatencyMeasure.SERVICE_TTFB.label(), histograms.get(LatencyMeasure.SERVICE_TTFB));
        }
        LatencyPlot.of(title, series).writeTo(file);
    }

    /** Plots several runs' corrected time to last byte on one chart, one line per map entry. */
    public static void writeSvgPlot(Path file, String title, Map<String, LoadResult> series) {
        writeSvgPlot(file, title, LatencyMeasure.TOTAL, series);
    }

    /** Plots one measure of several runs on one chart, one line per map entry, in the map's order. */
    public static void writeSvgPlot(Path file, String title, LatencyMeasure measure, Map<String, LoadResult> series) {
        requireNonNull(measure, "measure");
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        series.forEach((label, result) -> histograms.put(label, result.histograms.get(measure)));
        LatencyPlot.of(title, histograms).writeTo(file);
    }

    private static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    private static void write(Path file, byte[] content) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String seconds(Duration duration) {
        double value = duration.toNanos() / 1e9;
        return (value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value)) + " s";
    }

    private static String bytes(long count) {
        if (count < 10_000) {
            return count + " B";
        }
        if (count < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", count / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", count / 1e6);
    }
}
