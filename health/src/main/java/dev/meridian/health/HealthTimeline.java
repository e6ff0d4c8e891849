package dev.meridian.health;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The time and the changes every health mechanism shares: the registry's nano clock, its
 * {@link HealthRegistry#version() version}, bumped whenever an answer may have changed, the
 * earliest deadline at which an answer changes by itself (an ejection, throttle, open period or
 * suspicion ends: these are not events, so the registry notices them when the version is read
 * after them), and the listener told of every way out of rotation. Lock-free; any thread.
 */
final class HealthTimeline {

    static final long NO_DEADLINE = Long.MAX_VALUE;

    private final LongSupplier nanoClock;
    private final AtomicLong version = new AtomicLong();
    private final AtomicLong nextDeadline = new AtomicLong(NO_DEADLINE);
    private volatile HealthListener listener = HealthListener.NONE;

    HealthTimeline(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Now, on the registry's monotonic nano clock. */
    long now() {
        return nanoClock.getAsLong();
    }

    /** The nano clock itself, for what keeps time on its own (the probes, Resilience4j). */
    LongSupplier nanoClock() {
        return nanoClock;
    }

    /** An answer may have changed. */
    void changed() {
        version.incrementAndGet();
    }

    long version() {
        return version.get();
    }

    /** Makes {@code deadline} the next one unless an earlier one is pending. */
    void registerDeadline(long deadline) {
        while (true) {
            long current = nextDeadline.get();
            if (current <= deadline || nextDeadline.compareAndSet(current, deadline)) {
                return;
            }
        }
    }

    /**
     * Whether {@code deadline} has passed at {@code now}; when not, registers it (for the
     * mechanisms checking what ended when a deadline passed).
     */
    boolean passed(long deadline, long now) {
        if (deadline > now) {
            registerDeadline(deadline);
            return false;
        }
        return true;
    }

    /** The earliest registered deadline, or {@link #NO_DEADLINE}. */
    long nextDeadline() {
        return nextDeadline.get();
    }

    /**
     * Takes {@code deadline} off as the next one, for the one thread that then acts on everything
     * due; deadlines registered meanwhile are kept, since registering is a compare-and-set to the
     * minimum.
     *
     * @return whether this thread won
     */
    boolean claim(long deadline) {
        return nextDeadline.compareAndSet(deadline, NO_DEADLINE);
    }

    HealthListener listener() {
        return listener;
    }

    void listen(HealthListener listener) {
        this.listener = requireNonNull(listener, "listener");
    }
}
