package dev.meridian.router.exchange;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The deadlines of one exchange (first byte, hedge, idle, total) behind one scheduled task on its
 * event loop, armed for the earliest of them: instead of a task and a capturing lambda per
 * deadline, one object that is its own {@link Runnable}. Deadlines are read on the data path's
 * clock ({@code ticker}, monotonic nanoseconds), never on {@link System#nanoTime()}.
 *
 * <p>Moving a deadline later, or clearing one, does not touch the task: it fires at the earlier
 * time, finds nothing due and re-arms for what is left, which costs less than cancelling and
 * scheduling again on every response. Moving one earlier re-arms at once. {@link #cancel()} clears
 * everything and cancels the task when the exchange finishes. Loop-confined, like the exchange.
 *
 * <pre>{@code
 * ExchangeTimer timer = new ExchangeTimer(channel.eventLoop(), nanoClock, exchange);
 * timer.setIn(ExchangeTimer.Deadline.TOTAL, route.timeouts().total().toNanos());
 * }</pre>
 */
final class ExchangeTimer implements Runnable {

    /** A deadline of an exchange; when several are due at once they fire in this order. */
    enum Deadline {
        FIRST_BYTE,
        HEDGE,
        IDLE,
        TOTAL
    }

    /** Hears the deadlines that pass, on the event loop. */
    interface Listener {
        void onDeadline(Deadline deadline);
    }

    private static final long NONE = Long.MAX_VALUE;
    private static final Deadline[] DEADLINES = Deadline.values();

    private final EventExecutor loop;
    private final LongSupplier ticker;
    private final Listener listener;
    /** Per {@link Deadline} (by ordinal): when it passes on {@code ticker}, or {@link #NONE}. */
    private final long[] deadlines = {NONE, NONE, NONE, NONE};
    private @Nullable ScheduledFuture<?> task;
    /** When {@link #task} fires on {@code ticker}, or {@link #NONE} while none is scheduled. */
    private long armedAt = NONE;

    ExchangeTimer(EventExecutor loop, LongSupplier ticker, Listener listener) {
        this.loop = loop;
        this.ticker = ticker;
        this.listener = listener;
    }

    /** Sets {@code deadline} to pass {@code delayNanos} from now. */
    void setIn(Deadline deadline, long delayNanos) {
        set(deadline, ticker.getAsLong() + Math.max(0, delayNanos));
    }

    /** Sets {@code deadline} to pass at {@code atNanos} on the ticker. */
    void set(Deadline deadline, long atNanos) {
        deadlines[deadline.ordinal()] = atNanos;
        arm();
    }

    void clear(Deadline deadline) {
        deadlines[deadline.ordinal()] = NONE;
    }

    boolean isSet(Deadline deadline) {
        return deadlines[deadline.ordinal()] != NONE;
    }

    /** Clears every deadline and cancels the task: the exchange finished. */
    void cancel() {
        for (int i = 0; i < deadlines.length; i++) {
            deadlines[i] = NONE;
        }
        ScheduledFuture<?> scheduled = task;
        task = null;
        armedAt = NONE;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }

    /** The task: fires every deadline that passed, in {@link Deadline} order, then re-arms for the rest. */
    @Override
    public void run() {
        task = null;
        armedAt = NONE;
        long now = ticker.getAsLong();
        for (Deadline deadline : DEADLINES) {
            if (deadlines[deadline.ordinal()] <= now) {
                deadlines[deadline.ordinal()] = NONE;
                listener.onDeadline(deadline);
            }
        }
        arm();
    }

    private void arm() {
        long earliest = NONE;
        for (long at : deadlines) {
            earliest = Math.min(earliest, at);
        }
        if (earliest == NONE || earliest >= armedAt) {
            // Nothing to wait for, or the task fires first anyway and re-arms then.
            return;
        }
        ScheduledFuture<?> scheduled = task;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        armedAt = earliest;
        task = loop.schedule(this, Math.max(0, earliest - ticker.getAsLong()), TimeUnit.NANOSECONDS);
    }
}
