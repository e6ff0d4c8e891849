package dev.meridian.health;

import dev.meridian.config.ProbeConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Runs the active probes: one chain per endpoint, each probe scheduled {@code interval ±
 * jitter} after the previous one finished, so an endpoint never has two probes in flight and a
 * slow endpoint is not probed faster than it answers.
 *
 * <p>Probes run on their own {@link LoopResources} ({@code meridian-probe-*} threads), never on
 * the data path's event loops, so a burst of probe work cannot delay client traffic and probe
 * threads are recognisable in thread dumps. Each probe opens a new connection (like HAProxy's
 * checks): a refused or black-holed endpoint is noticed by the next probe, and no idle
 * keep-alive connection can be closed under a probe by the server. The round trip is measured
 * from the moment the request is sent to the response headers, so it excludes the TCP handshake
 * and compares with the latency of a request on a pooled connection. The endpoint's resolved
 * address is used (no DNS on the probe loops), with {@code Host} set to the endpoint's label.
 */
final class Prober implements AutoCloseable {

    /** Receives every probe's result on a probe thread; must not block. */
    interface Listener {
        /**
         * @param rttNanos request sent to response headers, or -1 when there was no response
         * @param problem why the probe failed; {@code null} when it succeeded
         */
        void probed(EndpointHealth endpoint, boolean ok, long rttNanos, @Nullable String problem);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    /** Enough for a few hundred endpoints probed every second or two; probes are cheap. */
    private static final int PROBE_THREADS = 2;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private final ProbeConfig config;
    private final LongSupplier nanoClock;
    private final Listener listener;
    private final LoopResources loops;
    private final EventLoopGroup group;
    private final HttpClient client;
    private final List<Chain> chains = new ArrayList<>();
    private volatile boolean closed;

    Prober(ProbeConfig config, LongSupplier nanoClock, Listener listener) {
        this.config = config;
        this.nanoClock = nanoClock;
        this.listener = listener;
        this.loops = LoopResources.create("meridian-probe", PROBE_THREADS, true);
        this.group = loops.onClient(false);
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.timeout().toMillis()));
        this.client = HttpClient.create(ConnectionProvider.newConnection())
                .runOn(loops, false)
                .resolver(NoopAddressResolverGroup.INSTANCE) // addresses are resolved; never DNS on a loop
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                // No Nagle: a probe is a few small writes, and a delayed ACK would add ~40 ms to its RTT.
                .option(ChannelOption.TCP_NODELAY, true)
                .disableRetry(true)
                .followRedirect(false)
                .keepAlive(false);
    }

    /** Starts one probe chain per endpoint, the first probes spread over one interval. */
    void start(List<EndpointHealth> endpoints) {
        synchronized (chains) { // start and close only, never on a probe thread's hot path
            if (closed) {
                throw new IllegalStateException("closed");
            }
            for (EndpointHealth endpoint : endpoints) {
                Chain chain = new Chain(endpoint, group.next());
                chains.add(chain);
                chain.schedule((long) (ThreadLocalRandom.current().nextDouble() * config.interval().toNanos()));
            }
        }
    }

    /** Stops every chain, cancels probes in flight and disposes the probe threads, waiting a bounded time. */
    @Override
    public void close() {
        synchronized (chains) {
            closed = true;
            for (Chain chain : chains) {
                chain.cancel();
            }
        }
        try {
            loops.disposeLater(Duration.ZERO, SHUTDOWN_TIMEOUT).block(SHUTDOWN_TIMEOUT.multipliedBy(2));
        } catch (RuntimeException e) {
            LOG.warn("probe threads did not stop within {}: {}", SHUTDOWN_TIMEOUT, e.toString());
        }
    }

    /** The wait before the next probe: {@code interval ± jitter × interval}, uniformly drawn. */
    private long nextDelayNanos() {
        double jitter = config.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (config.interval().toNanos() * (1 + jitter));
    }

    /** The probes of one endpoint, one at a time, all scheduled on one probe loop. */
    private final class Chain {

        private final EndpointHealth target;
        private final EventLoop loop;
        private final HttpClient endpointClient;
        private volatile @Nullable ScheduledFuture<?> next;
        private volatile @Nullable Attempt current;

        Chain(EndpointHealth target, EventLoop loop) {
            this.target = target;
            this.loop = loop;
            String label = target.endpoint.label();
            HttpClient c = client
                    .remoteAddress(target.endpoint::address)
                    .headers(h -> h.set(HttpHeaderNames.HOST, label)
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                            .set(HttpHeaderNames.USER_AGENT, "meridian-probe"));
            this.endpointClient = "https".equalsIgnoreCase(target.endpoint.uri().getScheme()) ? c.secure() : c;
        }

        void schedule(long delayNanos) {
            if (closed) {
                return;
            }
            try {
                next = loop.schedule(this::probe, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // close() raced with the end of a probe: the loop is shutting down, nothing more to probe
            }
        }

        void cancel() {
            ScheduledFuture<?> n = next;
            if (n != null) {
                n.cancel(false);
            }
            Attempt a = current;
            if (a != null) {
                a.abandon();
            }
        }

        private void probe() {
            if (closed) {
                return;
            }
            Attempt attempt = new Attempt(this);
            current = attempt;
            attempt.run();
        }

        void finished(boolean ok, long rttNanos, @Nullable String problem) {
            current = null;
            if (closed) {
                return;
            }
            try {
                listener.probed(target, ok, rttNanos, problem);
            } finally {
                schedule(nextDelayNanos());
            }
        }
    }

    /** One probe: the request, its timeout, and exactly one result. */
    private final class Attempt {

        private final Chain chain;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile long sentAt;
        private volatile @Nullable Disposable request;
        private volatile @Nullable ScheduledFuture<?> timer;

        Attempt(Chain chain) {
            this.chain = chain;
        }

        void run() {
            sentAt = nanoClock.getAsLong();
            // The body is read to its end (each chunk released as it comes) before the probe
            // counts: letting the client drop an unread body races with its last chunk.
            Disposable d = chain.endpointClient
                    .doOnRequest((req, connection) -> sentAt = nanoClock.getAsLong())
                    .get()
                    .uri(config.path())
                    .response((response, body) -> {
                        int status = response.status().code();
                        long rtt = Math.max(0, nanoClock.getAsLong() - sentAt);
                        return body.then(Mono.fromRunnable(() -> answered(status, rtt)));
                    })
                    .subscribe(null, this::failed, () -> complete(false, -1, "no response"));
            request = d;
            ScheduledFuture<?> t;
            try {
                t = chain.loop.schedule(this::timedOut, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                abandon(); // close() raced with the start of this probe
                return;
            }
            timer = t;
            if (done.get()) {
                t.cancel(false);
            }
        }

        private void answered(int status, long rtt) {
            boolean ok = status >= 200 && status < 300;
            complete(ok, rtt, ok ? null : "HTTP " + status);
        }

        private void failed(Throwable error) {
            complete(false, -1, describe(error));
        }

        private void timedOut() {
            if (done.compareAndSet(false, true)) {
                dispose();
                chain.finished(false, -1, "no response within " + DurationFormat.of(config.timeout()));
            }
        }

        void abandon() {
            done.set(true);
            dispose();
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        private void complete(boolean ok, long rttNanos, @Nullable String problem) {
            if (done.compareAndSet(false, true)) {
                ScheduledFuture<?> t = timer;
                if (t != null) {
                    t.cancel(false);
                }
                chain.finished(ok, rttNanos, problem);
            }
        }

        private void dispose() {
            Disposable d = request;
            if (d != null) {
                d.dispose();
            }
        }
    }

    /** A short reason for a failed probe, for the log and the report. */
    static String describe(Throwable error) {
        Throwable e = error;
        while (e.getCause() != null && e.getCause() != e
                && !(e instanceof ConnectException) && !(e instanceof PrematureCloseException)) {
            e = e.getCause();
        }
        if (e instanceof ConnectException) {
            String message = e.getMessage();
            return message != null && message.toLowerCase(Locale.ROOT).contains("refused")
                    ? "connection refused"
                    : "connect failed" + (message != null ? ": " + message : "");
        }
        if (e instanceof PrematureCloseException || e instanceof ClosedChannelException) {
            return "connection closed before the response";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message != null ? ": " + message : "");
    }
}
