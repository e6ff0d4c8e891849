package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.load.LoadGenerator;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.RequestMix;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * A light, steady stream of requests beside a scenario's main load, measured one minute at a time
 * so that its latency can be compared across a long run: back-to-back one-minute open-loop runs of
 * the load generator on a thread of its own, until a deadline. Its clients are placed where no
 * fault reaches (the soak sends them to a region it never breaks), so what changes in their
 * latency is the router's own drift, not a failover.
 *
 * <pre>{@code
 * try (ControlTraffic control = ControlTraffic.start(bed.target(), 20, Testbed.completions(LONDON), startNanos, deadlineNanos)) {
 *     ...
 *     List<ControlTraffic.Minute> minutes = control.awaitMinutes();
 * }
 * }</pre>
 */
final class ControlTraffic implements AutoCloseable {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    /** A last partial minute shorter than this is not run. */
    private static final Duration SHORTEST = Duration.ofSeconds(10);

    private final URI target;
    private final double rate;
    private final RequestMix mix;
    private final long startNanos;
    private final long deadlineNanos;
    private final Thread thread;
    private final List<Minute> minutes = new ArrayList<>();
    private volatile boolean closed;
    private volatile @Nullable LoadGenerator current;
    private volatile @Nullable RuntimeException failure;

    /** One minute (or the last, shorter part) of control traffic: what it sent, its errors, its time to first byte (µs). */
    record Minute(int number, Duration measured, long sent, long answered, long errors, Histogram ttfb) {
    }

    private ControlTraffic(URI target, double rate, RequestMix mix, long startNanos, long deadlineNanos) {
        this.target = target;
        this.rate = rate;
        this.mix = mix;
        this.startNanos = startNanos;
        this.deadlineNanos = deadlineNanos;
        this.thread = new Thread(this::runMinutes, "scenario-control-traffic");
        thread.setDaemon(true);
    }

    /** The first run starts at {@code startNanos}, the last ends at {@code deadlineNanos} ({@link System#nanoTime()}). */
    static ControlTraffic start(URI target, double rate, RequestMix mix, long startNanos, long deadlineNanos) {
        ControlTraffic control = new ControlTraffic(target, rate, mix, startNanos, deadlineNanos);
        control.thread.start();
        return control;
    }

    private void runMinutes() {
        try {
            long wait = startNanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            for (int number = 1; !closed; number++) {
                long left = deadlineNanos - System.nanoTime();
                if (left < SHORTEST.toNanos()) {
                    return;
                }
                Duration length = Duration.ofNanos(Math.min(MINUTE.toNanos(), left));
                LoadSpec spec = LoadSpec.openLoop(target, rate, length).withConnections(4).withMix(mix);
                LoadResult result;
                try (LoadGenerator load = LoadGenerator.start(spec)) {
                    current = load;
                    result = closed ? load.stop() : load.awaitResult();
                    current = null;
                }
                synchronized (minutes) {
                    minutes.add(new Minute(number, result.measuredDuration(), result.sent(), result.requests(),
                            result.errorCount() + result.unsent(), result.ttfb()));
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the last run to end (at the deadline, plus its requests in flight) and returns every
     * minute measured.
     *
     * @throws IllegalStateException when a run failed to start (the router was unreachable)
     */
    List<Minute> awaitMinutes() {
        try {
            long wait = Math.max(0, deadlineNanos - System.nanoTime()) + TimeUnit.SECONDS.toNanos(60);
            thread.join(TimeUnit.NANOSECONDS.toMillis(wait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the control traffic", e);
        }
        RuntimeException failed = failure;
        if (failed != null) {
            throw new IllegalStateException("control traffic: " + failed.getMessage(), failed);
        }
        synchronized (minutes) {
            return List.copyOf(minutes);
        }
    }

    /** Stops the run under way early (its result still counts) and starts no other. */
    @Override
    public void close() {
        closed = true;
        LoadGenerator load = current;
        if (load != null) {
            load.stop();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
