package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.load.LoadGenerator;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.TimelineSecond;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One run of a {@link Scenario}, as {@link ScenarioRunner} plays it: the testbed, the load
 * generator with every second of its timeline (warm-up included), the region traffic when the
 * scenario samples it, and the events (steps that happened, with when they really did). What the
 * scenario's measure, checks and plot read.
 */
final class ScenarioRun implements AutoCloseable {

    private final Testbed bed;
    private final LoadGenerator load;
    private final long origin;
    private final List<TimelineSecond> seconds;
    private final @Nullable String watched;
    private final @Nullable TrafficSampler traffic;
    private final List<Event> events = new ArrayList<>();
    private @Nullable LoadResult result;
    private long endMillis = -1;

    /**
     * Something the scenario did, {@code millis} after the load started; {@code inFlight}: requests
     * in flight to the watched region just before (-1 without one); {@code marker}: its label on the
     * timeline plot, if drawn.
     */
    record Event(long millis, String label, @Nullable String marker, long inFlight) {
        double seconds() {
            return millis / 1000.0;
        }
    }

    private ScenarioRun(Testbed bed, LoadGenerator load, long origin, List<TimelineSecond> seconds, @Nullable String watched,
            TrafficSampler.@Nullable Signal signal) {
        this.bed = bed;
        this.load = load;
        this.origin = origin;
        this.seconds = seconds;
        this.watched = watched;
        this.traffic = signal == null ? null : new TrafficSampler(bed, origin).use(signal);
    }

    /** Starts the load now and, with a {@code signal}, samples the regions' traffic. */
    static ScenarioRun start(Testbed bed, LoadSpec spec, @Nullable String watched, TrafficSampler.@Nullable Signal signal) {
        List<TimelineSecond> seconds = new ArrayList<>();
        LoadGenerator load = LoadGenerator.start(spec.withListener(second -> {
            synchronized (seconds) {
                seconds.add(second);
            }
        }));
        return new ScenarioRun(bed, load, System.nanoTime(), seconds, watched, signal);
    }

    Testbed bed() {
        return bed;
    }

    /** The regions' traffic, sampled every 100 ms since the load started. */
    TrafficSampler traffic() {
        return present(traffic, "this scenario does not sample traffic (Scenario.Builder.watch)");
    }

    /** {@link System#nanoTime()} when the load started (to within the time {@code start} took to return). */
    long originNanos() {
        return origin;
    }

    /** Milliseconds since the load started. */
    long nowMillis() {
        return (System.nanoTime() - origin) / 1_000_000;
    }

    /** Waits for the step's time and runs it; an event is announced and noted. */
    void play(Scenario.Step step) {
        sleepUntil(step.at());
        if (!step.event()) {
            step.action().accept(this);
            return;
        }
        long inFlight = watched == null ? -1 : bed.outstandingTo(watched);
        long millis = nowMillis();
        step.action().accept(this);
        events.add(new Event(millis, step.label(), step.marker(), inFlight));
        System.err.printf("%nscenario: %s at %.1f s%n", step.label(), millis / 1000.0);
    }

    /** Waits until {@code sinceStart} after the load started. */
    void sleepUntil(Duration sinceStart) {
        long wait = origin + sinceStart.toNanos() - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Waits for the load to end. */
    LoadResult finish() {
        LoadResult done = load.awaitResult();
        endMillis = nowMillis();
        result = done;
        return done;
    }

    /** The generator's result; after {@link #finish()}. */
    LoadResult result() {
        return present(result, "the load has not finished");
    }

    /** When the load ended, in milliseconds since it started; after {@link #finish()}. */
    long endMillis() {
        return endMillis;
    }

    /** Every second of the run so far, warm-up included (complete once {@link #finish()} returned). */
    List<TimelineSecond> seconds() {
        synchronized (seconds) {
            return List.copyOf(seconds);
        }
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    /** Errors the timeline saw in seconds ending after {@code fromMillis} and up to {@code toMillis}. */
    long errorsBetween(long fromMillis, long toMillis) {
        long errors = 0;
        for (TimelineSecond second : seconds()) {
            long end = second.second() * 1000L;
            if (end > fromMillis && end - 1000 < toMillis) {
                errors += second.errors();
            }
        }
        return errors;
    }

    /** The largest per-second p99 time to first byte (ms) among seconds ending in {@code (from, to]}. */
    double maxP99Between(long fromMillis, long toMillis) {
        double max = 0;
        for (TimelineSecond second : seconds()) {
            long end = second.second() * 1000L;
            if (end > fromMillis && end <= toMillis) {
                max = Math.max(max, second.ttfbP99Millis());
            }
        }
        return max;
    }

    /** The median of the per-second p99s (ms) among seconds ending in {@code (from, to]}. */
    double medianP99Between(long fromMillis, long toMillis) {
        List<Double> values = new ArrayList<>();
        for (TimelineSecond second : seconds()) {
            long end = second.second() * 1000L;
            if (end > fromMillis && end <= toMillis && second.completed() > 0) {
                values.add(second.ttfbP99Millis());
            }
        }
        if (values.isEmpty()) {
            return 0;
        }
        values.sort(null);
        return values.get(values.size() / 2);
    }

    /** Per second: the time to first byte's p50 and p99 (ms), as the timeline plots draw them. */
    Map<String, double[]> latencySeries() {
        List<TimelineSecond> all = seconds();
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("TTFB p50", all.stream().mapToDouble(TimelineSecond::ttfbP50Millis).toArray());
        series.put("TTFB p99", all.stream().mapToDouble(TimelineSecond::ttfbP99Millis).toArray());
        return series;
    }

    /** Per second: the client errors. */
    double[] errorSeries() {
        return seconds().stream().mapToDouble(TimelineSecond::errors).toArray();
    }

    /** Per second: each region's attempts ({@code attempts to REGION}), from the traffic sampled. */
    Map<String, double[]> attemptSeries() {
        int n = seconds().size();
        double[][] perSecond = traffic().perSecond(n);
        Map<String, double[]> series = new LinkedHashMap<>();
        List<String> regions = traffic().regions();
        for (int r = 0; r < regions.size(); r++) {
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = perSecond[i][r];
            }
            series.put("attempts to " + regions.get(r), values);
        }
        return series;
    }

    /** The per-second table of the timeline with each region's attempts per second. */
    String perSecondTable() {
        List<TimelineSecond> all = seconds();
        double[][] perSecond = traffic().perSecond(all.size());
        List<String> header = traffic().regions().stream().map(region -> "to " + region + "/s").toList();
        return ScenarioReport.timelineTable(all, header, s -> s - 1 < perSecond.length
                ? Arrays.stream(perSecond[s - 1]).mapToObj(v -> ScenarioReport.number(Math.round(v))).toList()
                : Collections.nCopies(header.size(), ""));
    }

    private static <T> T present(@Nullable T value, String otherwise) {
        if (value == null) {
            throw new IllegalStateException(otherwise);
        }
        return value;
    }

    @Override
    public void close() {
        if (traffic != null) {
            traffic.close();
        }
        load.close();
    }
}
