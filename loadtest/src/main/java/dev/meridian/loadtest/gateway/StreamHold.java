package dev.meridian.loadtest.gateway;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gate behind {@link SimulatedGateway#holdStreams(boolean)}: while held, streams park after
 * their first event and resume, each on its own event loop, when the gate opens.
 *
 * <p>Each hold period is one {@link CompletableFuture}; parked streams are its dependents, so
 * parking never blocks and releasing is one {@code complete}. The dependents live only as long as
 * the hold, one per parked stream, so the set is bounded by the open streams.
 */
final class StreamHold {

    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    private final AtomicReference<CompletableFuture<Void>> gate = new AtomicReference<>(OPEN);

    /** Closes ({@code true}) or opens ({@code false}) the gate; opening resumes every parked stream. */
    void hold(boolean hold) {
        if (hold) {
            gate.updateAndGet(current -> current.isDone() ? new CompletableFuture<>() : current);
        } else {
            gate.getAndSet(OPEN).complete(null);
        }
    }

    boolean isHeld() {
        return !gate.get().isDone();
    }

    /**
     * Runs {@code resume} on {@code loop} once the gate is open: at once (inline, so call this on
     * {@code loop}) when it already is.
     */
    void whenOpen(EventLoop loop, Runnable resume) {
        CompletableFuture<Void> current = gate.get();
        if (current.isDone()) {
            resume.run();
        } else {
            current.thenRun(() -> loop.execute(resume));
        }
    }
}
