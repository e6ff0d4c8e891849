package dev.meridian.router.exchange;

import dev.meridian.health.HealthListener;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rescues the attempts stuck on an endpoint or region the moment health declares it down (the
 * {@link HealthListener} of every configuration's registry), and runs stall detection: one
 * {@link WaitingAttempts} list per event loop, ticked every {@value #TICK_MILLIS} ms on its loop.
 *
 * <p>A health event arrives on a probe thread or on whichever loop noticed it; the rescue is
 * handed to every loop with {@code execute}, so each list is only touched on its own loop and no
 * rescue runs on the stack of the exchange callback that caused the event.
 *
 * <pre>{@code
 * AttemptRescuer rescuer = new AttemptRescuer(ioGroup, System::nanoTime);
 * health.listen(rescuer);
 * rescuer.start();
 * ... rescuer.waiting(channel.eventLoop()).add(attempt, stall, now);
 * }</pre>
 */
public final class AttemptRescuer implements HealthListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AttemptRescuer.class);

    /** How often each loop's waiting attempts are looked at: the granularity of late, overdue and stalled. */
    static final long TICK_MILLIS = 100;

    private final Map<EventExecutor, WaitingAttempts> byLoop;
    private final LongSupplier nanoClock;
    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();

    public AttemptRescuer(EventLoopGroup group, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        Map<EventExecutor, WaitingAttempts> map = new IdentityHashMap<>();
        for (EventExecutor loop : group) {
            map.put(loop, new WaitingAttempts());
        }
        this.byLoop = map;
    }

    /** Starts the ticks on every loop. Call once, off the loops. */
    public synchronized void start() {
        for (Map.Entry<EventExecutor, WaitingAttempts> e : byLoop.entrySet()) {
            WaitingAttempts waiting = e.getValue();
            ticks.add(e.getKey().scheduleAtFixedRate(() -> waiting.tick(nanoClock.getAsLong()),
                    TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    /** The waiting attempts of {@code loop}; to be used on that loop only. */
    WaitingAttempts waiting(EventLoop loop) {
        WaitingAttempts waiting = byLoop.get(loop);
        if (waiting == null) {
            throw new IllegalStateException("event loop " + loop + " is not one of the router's loops");
        }
        return waiting;
    }

    @Override
    public void endpointDown(Endpoint endpoint, Cause cause) {
        String why = "endpoint " + endpoint.label() + " of " + endpoint.region() + " is down (" + label(cause) + ")";
        onEveryLoop(waiting -> waiting.rescue(endpoint, why));
    }

    @Override
    public void regionDown(Region region, Cause cause) {
        String why = "region " + region.name() + " is down (" + label(cause) + ")";
        onEveryLoop(waiting -> waiting.rescue(region, why));
    }

    private void onEveryLoop(java.util.function.Consumer<WaitingAttempts> task) {
        for (Map.Entry<EventExecutor, WaitingAttempts> e : byLoop.entrySet()) {
            WaitingAttempts waiting = e.getValue();
            try {
                e.getKey().execute(() -> task.accept(waiting));
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("no rescue on {}: the loop is shutting down", e.getKey());
            }
        }
    }

    private static String label(Cause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** Stops the ticks. Idempotent. */
    @Override
    public synchronized void close() {
        for (ScheduledFuture<?> tick : ticks) {
            tick.cancel(false);
        }
        ticks.clear();
    }
}
