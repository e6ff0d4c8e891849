package dev.meridian.loadtest.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Drives the connections of one event loop: decides when each request is due, hands it to an idle
 * connection, expires requests that waited too long, times out requests in flight, and says when
 * this loop's share of the run is done.
 *
 * <p><b>Open loop.</b> This loop owns a share of the rate proportional to its connections. Request
 * {@code i} is due at {@code first + i * period}; it goes to the first idle connection (FIFO, so
 * every connection is used) once due. When none is idle it simply stays due: the backlog is the
 * gap between the next index and the current time, a pair of numbers rather than a queue, so it
 * is bounded whatever the target does. The request keeps its intended time however late it is
 * sent, which is what makes the measured latency include the wait (wrk2's correction). A request
 * still unsent one timeout after its intended time expires as {@link ErrorKind#TIMEOUT}.
 *
 * <p><b>Closed loop.</b> Every idle connection sends at once, with intended = actual send time.
 *
 * <p>Time is {@link System#nanoTime()}, read directly rather than injected: what is measured is
 * real elapsed time against real sockets, and Netty's timers that pace the requests run on the same
 * clock. Tests control time through the server's scripted delays instead.
 *
 * <p>Confined to its event loop, like its connections; the generator reaches it only through
 * {@link #begin}, {@link #stop} and {@link #connectAll}, which hop onto the loop.
 */
final class LoopDriver {

    private static final long MIN_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LoadGenerator generator;
    private final EventLoop loop;
    private final LoadMode mode;
    private final LoadMeasurements measurements;
    private final RequestMix mix;
    private final List<PreparedRequest> requests = new ArrayList<>();
    private final RandomGenerator random;
    private final long timeoutNanos;
    private final double periodNanos;
    private final long phaseNanos;
    private final List<LoadConnection> connections = new ArrayList<>();
    private final ArrayDeque<LoadConnection> idle = new ArrayDeque<>();
    private final List<LoadConnection> firstAttemptPending = new ArrayList<>();
    private final Runnable onTimer = this::onTimer;

    private boolean started;
    private boolean stopping;
    private boolean finished;
    private long runEnd;
    private long firstIntended;
    private long nextIndex;
    /** The first request intended after the warm-up. */
    private long firstMeasuredIndex;
    private long endIndex;
    private int busy;
    private boolean timerPending;
    private @Nullable ScheduledFuture<?> sweeper;

    /**
     * @param loopIndex   this loop's position, for its random stream and its phase in the schedule
     * @param connectionCount connections on this loop
     * @param sslContext  TLS to the target, or null for plaintext
     */
    LoopDriver(LoadGenerator generator, EventLoop loop, LoadSpec spec, LoadMeasurements measurements,
            Bootstrap prototype, @Nullable SslContext sslContext, int loopIndex, int connectionCount) {
        this.generator = generator;
        this.loop = loop;
        this.mode = spec.mode();
        this.measurements = measurements;
        this.mix = spec.mix();
        for (RequestTemplate template : mix.templates()) {
            requests.add(new PreparedRequest(template, spec.hostHeader()));
        }
        this.random = new SplittableRandom(spec.seed() + loopIndex * 0x9E3779B97F4A7C15L);
        this.timeoutNanos = spec.timeout().toNanos();
        if (mode == LoadMode.OPEN_LOOP) {
            double loopRate = spec.rate() * connectionCount / spec.connections();
            this.periodNanos = 1e9 / loopRate;
            // Loops start a global period apart, so that together they send evenly spaced requests.
            this.phaseNanos = (long) (loopIndex * 1e9 / spec.rate());
        } else {
            this.periodNanos = 0;
            this.phaseNanos = 0;
        }
        for (int i = 0; i < connectionCount; i++) {
            connections.add(sslContext == null
                    ? new LoadConnection(this, loop, prototype, measurements)
                    : new LoadConnection(this, loop, prototype, measurements,
                            new LoadConnection.Tls(sslContext, tlsHost(spec), spec.port(),
                                    Math.min(spec.timeout().toMillis(), TimeUnit.SECONDS.toMillis(30)))));
        }
    }

    /** The host name for SNI and the certificate check: the target's host, without an IPv6 literal's brackets. */
    private static String tlsHost(LoadSpec spec) {
        String host = String.valueOf(spec.target().getHost());
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Opens every connection; the generator hears of each first attempt's outcome. */
    void connectAll() {
        loop.execute(() -> {
            firstAttemptPending.addAll(connections);
            for (LoadConnection connection : connections) {
                connection.connect();
            }
        });
    }

    /**
     * Starts sending: the load starts at {@code t0}, is measured from {@code windowStart} and ends
     * at {@code end} (all {@link System#nanoTime()}).
     */
    void begin(long t0, long windowStart, long end) {
        loop.execute(() -> {
            if (finished) {
                return;
            }
            started = true;
            runEnd = end;
            if (mode == LoadMode.OPEN_LOOP) {
                firstIntended = t0 + phaseNanos;
                endIndex = firstIndexFrom(end);
                firstMeasuredIndex = Math.min(endIndex, firstIndexFrom(windowStart));
            }
            long sweep = Math.min(MAX_SWEEP_NANOS, Math.max(MIN_SWEEP_NANOS, timeoutNanos / 10));
            sweeper = loop.scheduleAtFixedRate(this::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
            loop.schedule(this::dispatch, Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            dispatch();
        });
    }

    /** Stops sending now; requests in flight finish (or time out), then the loop reports done. */
    void stop() {
        loop.execute(() -> {
            if (finished || stopping) {
                return;
            }
            stopping = true;
            if (mode == LoadMode.OPEN_LOOP && started) {
                long now = System.nanoTime();
                for (long i = nextIndex; i < endIndex && intended(i) <= now; i++) {
                    measurements.requestUnsent(intended(i));
                }
                endIndex = nextIndex;
            }
            dispatch();
        });
    }

    /** Whether closed connections should be opened again. */
    boolean wantsConnections() {
        return !finished;
    }

    void connected(LoadConnection connection) {
        firstAttemptEnded(connection, null);
        idle.addLast(connection);
        dispatch();
    }

    void connectFailed(LoadConnection connection, Throwable cause) {
        firstAttemptEnded(connection, cause);
    }

    /** The exchange on {@code connection} is over; when {@code reusable} the connection is idle again. */
    void exchangeEnded(LoadConnection connection, boolean reusable) {
        busy--;
        if (reusable) {
            idle.addLast(connection);
        }
        dispatch();
    }

    /** An idle connection closed or failed. */
    void leftIdle(LoadConnection connection) {
        idle.remove(connection);
    }

    private void firstAttemptEnded(LoadConnection connection, @Nullable Throwable cause) {
        if (firstAttemptPending.remove(connection)) {
            generator.firstConnectAttemptEnded(cause);
        }
    }

    private long intended(long index) {
        return firstIntended + (long) (index * periodNanos);
    }

    /** The first request index intended at or after {@code nanos} (0 when that is before the first). */
    private long firstIndexFrom(long nanos) {
        return Math.max(0, (long) Math.ceil((nanos - firstIntended) / periodNanos));
    }

    private void onTimer() {
        timerPending = false;
        dispatch();
    }

    /** Sends what is due to idle connections, expires what waited too long, and checks for the end. */
    private void dispatch() {
        if (!started || finished) {
            return;
        }
        long now = System.nanoTime();
        if (mode == LoadMode.OPEN_LOOP) {
            while (nextIndex < endIndex && intended(nextIndex) + timeoutNanos <= now) {
                measurements.requestFailed(intended(nextIndex), ErrorKind.TIMEOUT);
                nextIndex++;
            }
            if (nextIndex < firstMeasuredIndex && now - intended(firstMeasuredIndex) >= 0) {
                // Behind schedule when the warm-up ends (a cold JIT on a busy CPU): the warm-up's
                // backlog is dropped, so that catching up on it does not land on the measured seconds.
                measurements.warmupSkipped(firstMeasuredIndex - nextIndex);
                nextIndex = firstMeasuredIndex;
            }
            while (nextIndex < endIndex && !idle.isEmpty() && intended(nextIndex) <= now) {
                long index = nextIndex++;
                send(idle.pollFirst(), intended(index));
            }
            if (nextIndex < endIndex && !idle.isEmpty() && !timerPending) {
                timerPending = true;
                loop.schedule(onTimer, intended(nextIndex) - now, TimeUnit.NANOSECONDS);
            }
        } else if (!stopping && now < runEnd) {
            while (!idle.isEmpty()) {
                send(idle.pollFirst(), System.nanoTime());
            }
        }
        boolean nothingLeftToSend = mode == LoadMode.OPEN_LOOP ? nextIndex >= endIndex : stopping || now >= runEnd;
        if (nothingLeftToSend && busy == 0) {
            finish();
        }
    }

    private void send(LoadConnection connection, long intendedNanos) {
        busy++;
        connection.send(requests.get(mix.pickIndex(random)), intendedNanos);
    }

    /** Times out requests in flight past their deadline, then dispatches (which expires the backlog). */
    private void sweep() {
        long now = System.nanoTime();
        for (LoadConnection connection : connections) {
            if (connection.isBusy() && now - connection.intended() >= timeoutNanos) {
                connection.timedOut();
            }
        }
        dispatch();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        ScheduledFuture<?> sweeping = sweeper;
        if (sweeping != null) {
            sweeping.cancel(false);
        }
        idle.clear();
        for (LoadConnection connection : connections) {
            connection.stop();
        }
        generator.driverFinished();
    }

    /** Closes everything without waiting for requests in flight (the generator is being closed). */
    void abort() {
        loop.execute(() -> {
            if (!finished) {
                busy = 0;
                finish();
            }
        });
    }
}
