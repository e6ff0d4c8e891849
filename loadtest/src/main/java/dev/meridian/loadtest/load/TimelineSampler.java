package dev.meridian.loadtest.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Cuts a run into seconds: once a second, on its own thread, it reads the live counters and the
 * interval time-to-first-byte histograms, makes a {@link TimelineSecond} and tells the listeners.
 * Seconds are aligned to the start of the load, so second {@code n} covers {@code [t0 + n - 1, t0 + n)}.
 */
final class TimelineSampler {

    private final LoadMeasurements measurements;
    private final List<TimelineListener> listeners;
    private final ScheduledExecutorService executor;
    private final List<TimelineSecond> seconds = new ArrayList<>();

    // Touched only by the sampling thread, then by finish() after that thread has stopped.
    private long t0;
    private long warmupEnd;
    private int second;
    private long lastSent;
    private long lastCompleted;
    private long lastErrors;
    private @Nullable Histogram interval;
    private @Nullable Histogram serviceInterval;

    TimelineSampler(LoadMeasurements measurements, List<TimelineListener> listeners) {
        this.measurements = measurements;
        this.listeners = List.copyOf(listeners);
        ThreadFactory threads = runnable -> {
            Thread thread = new Thread(runnable, "loadgen-timeline");
            thread.setDaemon(true);
            return thread;
        };
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
    }

    /** Starts sampling a second after {@code startNanos}. */
    void start(long startNanos, long warmupEndNanos) {
        this.t0 = startNanos;
        this.warmupEnd = warmupEndNanos;
        long first = Math.max(0, startNanos + TimeUnit.SECONDS.toNanos(1) - System.nanoTime());
        executor.scheduleAtFixedRate(this::sample, first, TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    }

    /** Stops sampling, adds the last (partial) second if anything happened in it, and returns every second. */
    List<TimelineSecond> finish() {
        stopSampling();
        if (measurements.liveSent() != lastSent || measurements.liveCompleted() != lastCompleted
                || measurements.liveErrors() != lastErrors) {
            sample();
        }
        return secondsSoFar();
    }

    List<TimelineSecond> secondsSoFar() {
        synchronized (seconds) {
            return List.copyOf(seconds);
        }
    }

    void close() {
        executor.shutdownNow();
    }

    private void stopSampling() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    private void sample() {
        second++;
        long sent = measurements.liveSent();
        long completed = measurements.liveCompleted();
        long errors = measurements.liveErrors();
        Histogram ttfb = measurements.intervalTtfb(interval);
        interval = ttfb;
        Histogram serviceTtfb = measurements.intervalServiceTtfb(serviceInterval);
        serviceInterval = serviceTtfb;
        boolean warmup = t0 + TimeUnit.SECONDS.toNanos(second) <= warmupEnd;
        TimelineSecond current = new TimelineSecond(second, warmup, sent - lastSent, completed - lastCompleted,
                errors - lastErrors, percentileMillis(ttfb, 50), percentileMillis(ttfb, 99), percentileMillis(serviceTtfb, 50));
        lastSent = sent;
        lastCompleted = completed;
        lastErrors = errors;
        synchronized (seconds) {
            seconds.add(current);
        }
        for (TimelineListener listener : listeners) {
            try {
                listener.onSecond(current);
            } catch (RuntimeException e) {
                System.err.println("loadgen: timeline listener failed: " + e);
            }
        }
    }

    private static double percentileMillis(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }
}
