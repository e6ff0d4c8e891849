package dev.meridian.loadtest.load;

import dev.meridian.loadtest.SocketTransport;
import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Sends HTTP/1.1 load as a {@link LoadSpec} describes and measures it: the open loop at a fixed
 * arrival rate with latency from each request's intended send time (so a stalled target is not
 * flattered, wrk2's correction for coordinated omission), or the closed loop; over keep-alive
 * Netty connections (epoll where available); responses timed to first and last byte without
 * being aggregated; everything recorded in HdrHistograms.
 *
 * <pre>{@code
 * // blocking
 * LoadResult result = LoadGenerator.run(LoadSpec.openLoop(target, 2000, Duration.ofSeconds(30))
 *         .withWarmup(Duration.ofSeconds(5)));
 * System.out.println(result.summary());
 *
 * // a scenario that changes something mid-run
 * try (LoadGenerator load = LoadGenerator.start(spec.withListener(second -> log(second)))) {
 *     // ... kill a region, wait for the timeline to show errors stopping ...
 *     LoadResult result = load.awaitResult();   // or load.stop() to end early
 * }
 * }</pre>
 *
 * <p>How a run goes: all connections are opened first (the run fails at once when not a single
 * one can be, with the reason); the clock starts; the warm-up runs and is left out of the result;
 * the measured part runs for the spec's duration; then requests still due or in flight are given
 * until their timeout to finish, and the connections are closed. The per-second timeline and the
 * progress line are produced on a separate thread, never on an event loop.
 *
 * <p>Thread safety: {@link #awaitResult()}, {@link #stop()}, {@link #timelineSoFar()} and
 * {@link #close()} may be called from any thread (not from the generator's own event loops or
 * listener).
 */
public final class LoadGenerator implements AutoCloseable {

    /** How long past its planned end a run may take (beyond the request timeout) before it is aborted. */
    private static final Duration END_GRACE = Duration.ofSeconds(30);

    private final LoadSpec spec;
    private final SocketTransport transport;
    private final int eventLoopCount;
    private final EventLoopGroup group;
    private final LoadMeasurements measurements = new LoadMeasurements();
    private final List<LoopDriver> drivers = new ArrayList<>();
    private final CountDownLatch firstAttempts;
    private final AtomicInteger firstSuccesses = new AtomicInteger();
    private final AtomicReference<@Nullable Throwable> firstFailure = new AtomicReference<>();
    private final CountDownLatch driversDone;
    private final TimelineSampler timeline;

    private volatile long runEnd;
    private @Nullable LoadResult result;

    private LoadGenerator(LoadSpec spec, SocketTransport transport, InetSocketAddress address, @Nullable SslContext sslContext) {
        this.spec = spec;
        this.transport = transport;
        this.eventLoopCount = spec.effectiveEventLoops();
        this.group = new MultiThreadIoEventLoopGroup(eventLoopCount,
                new DefaultThreadFactory("loadgen", true), transport.ioHandlerFactory());
        this.firstAttempts = new CountDownLatch(spec.connections());
        this.driversDone = new CountDownLatch(eventLoopCount);
        this.timeline = new TimelineSampler(measurements, listeners(spec));
        Bootstrap prototype = new Bootstrap()
                .channel(transport.channelType())
                .remoteAddress(address)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(spec.timeout().toMillis(), TimeUnit.SECONDS.toMillis(30)));
        List<EventLoop> loops = new ArrayList<>();
        group.forEach(executor -> loops.add((EventLoop) executor));
        for (int i = 0; i < eventLoopCount; i++) {
            // Connections are dealt round-robin: loop i gets connections i, i + n, i + 2n, ...
            int connections = spec.connections() / eventLoopCount + (i < spec.connections() % eventLoopCount ? 1 : 0);
            drivers.add(new LoopDriver(this, loops.get(i), spec, measurements, prototype, sslContext, i, connections));
        }
    }

    /**
     * Runs {@code spec} to the end and returns what was measured; blocks for the warm-up, the
     * duration and the time requests in flight need to finish.
     *
     * @throws IllegalStateException when no connection to the target can be opened at the start
     * @throws IllegalArgumentException when the target's host cannot be resolved, or (https) the CA file cannot be read
     */
    public static LoadResult run(LoadSpec spec) {
        try (LoadGenerator generator = start(spec)) {
            return generator.awaitResult();
        }
    }

    /**
     * Opens the connections and starts the load, returning once it is under way; the caller then
     * waits with {@link #awaitResult()} or ends it early with {@link #stop()}, and closes it.
     *
     * @throws IllegalStateException when no connection to the target can be opened
     * @throws IllegalArgumentException when the target's host cannot be resolved, or (https) the CA file cannot be read
     */
    public static LoadGenerator start(LoadSpec spec) {
        return start(spec, SocketTransport.preferred());
    }

    static LoadGenerator start(LoadSpec spec, SocketTransport transport) {
        requireNonNull(spec, "spec");
        if (!transport.isAvailable()) {
            throw new IllegalArgumentException("transport: " + transport + " is not available on this platform");
        }
        // Resolved here, once, off the event loops (they must never wait for DNS).
        InetSocketAddress address = resolve(spec);
        PipelinePriming.prime(spec.hostHeader());
        // Built once, off the event loops; null for an http target, whose pipeline then has no TLS handler at all.
        LoadTls tls = spec.tls();
        SslContext sslContext = tls == null ? null : tls.newClientContext();
        LoadGenerator generator = new LoadGenerator(spec, transport, address, sslContext);
        try {
            generator.connectAndBegin();
        } catch (RuntimeException e) {
            generator.close();
            throw e;
        }
        return generator;
    }

    private static InetSocketAddress resolve(LoadSpec spec) {
        String host = requireNonNull(spec.target().getHost(), "target host");
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), spec.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("target: cannot resolve host '" + host + "' (" + e.getMessage() + ")", e);
        }
    }

    private static List<TimelineListener> listeners(LoadSpec spec) {
        List<TimelineListener> listeners = new ArrayList<>();
        if (spec.progress() != null) {
            listeners.add(new ProgressLine(spec.progress()));
        }
        if (spec.listener() != null) {
            listeners.add(spec.listener());
        }
        return listeners;
    }

    private void connectAndBegin() {
        drivers.forEach(LoopDriver::connectAll);
        long connectWait = spec.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        try {
            if (!firstAttempts.await(connectWait, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("target " + spec.target() + ": connections not established within "
                        + spec.timeout().toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + spec.target(), e);
        }
        if (firstSuccesses.get() == 0) {
            Throwable cause = firstFailure.get();
            throw new IllegalStateException("cannot connect to " + spec.target() + ": "
                    + (cause == null ? "unknown error" : cause.getMessage()), cause);
        }
        long t0 = System.nanoTime();
        long windowStart = t0 + spec.warmup().toNanos();
        runEnd = windowStart + spec.duration().toNanos();
        measurements.window(windowStart, runEnd);
        timeline.start(t0, windowStart);
        for (LoopDriver driver : drivers) {
            driver.begin(t0, windowStart, runEnd);
        }
    }

    /** Called on an event loop when a connection's first attempt has succeeded ({@code cause} null) or failed. */
    void firstConnectAttemptEnded(@Nullable Throwable cause) {
        if (cause == null) {
            firstSuccesses.incrementAndGet();
        } else {
            firstFailure.compareAndSet(null, cause);
        }
        firstAttempts.countDown();
    }

    /** Called on an event loop when a driver has nothing left to send or wait for. */
    void driverFinished() {
        driversDone.countDown();
    }

    /**
     * Waits for the run to end (warm-up, duration, then requests in flight up to their timeout)
     * and returns what was measured. Later calls return the same result.
     *
     * @throws IllegalStateException when the run does not end within its timeout plus 30 s of its
     *         planned end (it is then aborted), or the waiting thread is interrupted
     */
    public synchronized LoadResult awaitResult() {
        if (result != null) {
            return result;
        }
        long bound = Math.max(0, runEnd - System.nanoTime()) + spec.timeout().toNanos() + END_GRACE.toNanos();
        try {
            if (!driversDone.await(bound, TimeUnit.NANOSECONDS)) {
                drivers.forEach(LoopDriver::abort);
                throw new IllegalStateException("the load run did not finish within "
                        + TimeUnit.NANOSECONDS.toSeconds(bound) + " s; aborted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drivers.forEach(LoopDriver::abort);
            throw new IllegalStateException("interrupted while waiting for the load run", e);
        }
        List<TimelineSecond> seconds = timeline.finish();
        LoadMeasurements.MeasuredTotals totals = measurements.totals();
        Duration measured = Duration.ofNanos(Math.max(0, measurements.windowEnd() - measurements.windowStart()));
        List<TimelineSecond> measuredSeconds = seconds.stream().filter(second -> !second.warmup()).toList();
        result = new LoadResult(spec, transport.name().toLowerCase(Locale.ROOT), eventLoopCount,
                measured, totals, measuredSeconds);
        return result;
    }

    /**
     * Ends the run now: no request is sent after this call, requests in flight finish (or time
     * out), and the result covers the time up to now (requests due but not sent are counted as
     * {@link LoadResult#unsent()}). Blocks until the result is ready.
     */
    public LoadResult stop() {
        measurements.endWindow(System.nanoTime());
        drivers.forEach(LoopDriver::stop);
        return awaitResult();
    }

    /** The seconds of the run that have ended so far, warm-up included (flagged). */
    public List<TimelineSecond> timelineSoFar() {
        return timeline.secondsSoFar();
    }

    /** The spec this generator runs. */
    public LoadSpec spec() {
        return spec;
    }

    /** Aborts a run still going (nothing more is sent or measured) and releases the event loops and the timeline thread. */
    @Override
    public void close() {
        if (driversDone.getCount() > 0) {
            measurements.endWindow(System.nanoTime());
            drivers.forEach(LoopDriver::abort);
        }
        timeline.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
