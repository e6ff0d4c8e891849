package dev.meridian.loadtest.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Readings taken every period on one daemon thread of their own, kept in the order they were
 * taken: what the scenarios' samplers ({@link TrafficSampler}, {@link ControllerSampler}) share.
 * A reading that returns {@code null} is a gap in the series. Closing stops the thread and waits
 * for a reading in progress at most a bound, so a stuck reading cannot hold up the report.
 */
final class PeriodicReadings<T> implements AutoCloseable {

    private final @Nullable ScheduledExecutorService executor;
    private final Duration closeBound;
    private final List<T> readings = new ArrayList<>();

    private PeriodicReadings(@Nullable ScheduledExecutorService executor, Duration closeBound, List<T> recorded) {
        this.executor = executor;
        this.closeBound = closeBound;
        readings.addAll(recorded);
    }

    /**
     * Starts reading now and every {@code periodMillis} on a thread named {@code threadName};
     * {@link #close} waits at most {@code closeBound} for a reading in progress.
     */
    static <T> PeriodicReadings<T> start(String threadName, long periodMillis, Duration closeBound,
            Supplier<@Nullable T> read) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        PeriodicReadings<T> readings = new PeriodicReadings<>(executor, closeBound, List.of());
        executor.scheduleAtFixedRate(() -> readings.add(read.get()), 0, periodMillis, TimeUnit.MILLISECONDS);
        return readings;
    }

    /** Readings taken elsewhere (tests): nothing is read. */
    static <T> PeriodicReadings<T> recorded(List<T> recorded) {
        return new PeriodicReadings<>(null, Duration.ZERO, recorded);
    }

    private void add(@Nullable T reading) {
        if (reading == null) {
            return;
        }
        synchronized (readings) {
            readings.add(reading);
        }
    }

    /** The readings so far, oldest first. */
    List<T> all() {
        synchronized (readings) {
            return List.copyOf(readings);
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService executor = this.executor;
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(closeBound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
