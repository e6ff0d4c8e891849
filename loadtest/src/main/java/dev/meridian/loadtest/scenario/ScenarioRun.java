package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.load.LoadGenerator;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.TimelineSecond;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One load run of a scenario: starts the generator, keeps every second of its timeline (warm-up
 * included), runs the scenario's actions at set times since the load started and notes when each
 * really happened.
 *
 * <pre>{@code
 * try (ScenarioRun run = ScenarioRun.start(spec)) {
 *     run.at(Duration.ofSeconds(20), "us-east4 down", () -> east.forEach(SimulatedGateway::down));
 *     LoadResult result = run.awaitResult();
 * }
 * }</pre>
 */
final class ScenarioRun implements AutoCloseable {

    private final LoadGenerator load;
    private final long origin;
    private final List<TimelineSecond> seconds;
    private final List<Event> events = new ArrayList<>();

    /** Something the scenario did, {@code millis} after the load started. */
    record Event(long millis, String label) {
        double seconds() {
            return millis / 1000.0;
        }
    }

    private ScenarioRun(LoadGenerator load, long origin, List<TimelineSecond> seconds) {
        this.load = load;
        this.origin = origin;
        this.seconds = seconds;
    }

    static ScenarioRun start(LoadSpec spec) {
        List<TimelineSecond> seconds = new ArrayList<>();
        LoadGenerator load = LoadGenerator.start(spec.withListener(second -> {
            synchronized (seconds) {
                seconds.add(second);
            }
        }));
        return new ScenarioRun(load, System.nanoTime(), seconds);
    }

    /** {@link System#nanoTime()} when the load started (to within the time {@code start} took to return). */
    long originNanos() {
        return origin;
    }

    /** Milliseconds since the load started. */
    long nowMillis() {
        return (System.nanoTime() - origin) / 1_000_000;
    }

    /** Waits until {@code sinceStart} after the load started, runs {@code action} and returns the event. */
    Event at(Duration sinceStart, String label, Runnable action) {
        sleepUntil(sinceStart);
        long millis = nowMillis();
        action.run();
        Event event = new Event(millis, label);
        events.add(event);
        System.err.printf("%nscenario: %s at %.1f s%n", label, millis / 1000.0);
        return event;
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

    LoadResult awaitResult() {
        return load.awaitResult();
    }

    /** Every second of the run so far, warm-up included (complete once {@link #awaitResult()} returned). */
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

    @Override
    public void close() {
        load.close();
    }

    /**
     * Writes {@code DIR/NAME.md}, {@code NAME.svg} (latency by percentile), {@code NAME-timeline.svg}
     * and {@code NAME.json} (the generator's result), and prints where and the verdict lines.
     */
    static void write(Path directory, String name, String title, LoadResult result,
            ScenarioReport report, TimelinePlot timeline) {
        Path markdown = directory.resolve(name + ".md");
        report.writeTo(markdown);
        result.writeSvgPlot(directory.resolve(name + ".svg"), title);
        result.writeJson(directory.resolve(name + ".json"));
        timeline.writeTo(directory.resolve(name + "-timeline.svg"));
        System.out.println();
        report.verdicts().forEach(line -> System.out.println(line.replace("**", "")));
        System.out.printf("wrote %s, %s.svg, %s-timeline.svg, %s.json%n", markdown, name, name, name);
    }
}
