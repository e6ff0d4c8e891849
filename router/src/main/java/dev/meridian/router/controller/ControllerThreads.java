package dev.meridian.router.controller;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The controller's own threads (the evaluation loop, the fleet's heartbeat): one named daemon
 * thread each, never an event loop, stopped at once on close.
 */
final class ControllerThreads {

    /** How long {@link #stop} waits for a running task to notice its interrupt. */
    private static final long STOP_WAIT_SECONDS = 5;

    private ControllerThreads() {}

    /** A single daemon thread named {@code name}. */
    static ScheduledExecutorService start(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Drops what is scheduled, interrupts what runs and waits a little for it to end. */
    static void stop(ScheduledExecutorService thread) {
        thread.shutdownNow();
        try {
            thread.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
