package dev.meridian.health;

import dev.meridian.config.ProbeConfig;
import dev.meridian.config.ProbeKind;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.UpstreamProtocol;
import dev.meridian.config.UpstreamTlsConfig;
import dev.meridian.regions.Endpoint;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.resolver.NoopAddressResolverGroup;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.HttpProtocol;
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
 * from the moment the request is sent to the response headers, so it excludes the TCP and TLS
 * handshakes and compares with the latency of a request on a pooled connection. The endpoint's
 * resolved address is used (no DNS on the probe loops), with {@code Host} (or {@code :authority})
 * set to the endpoint's configured {@code host[:port]} (for an endpoint given by name, the name,
 * whichever of its addresses is probed).
 *
 * <h2>Protocols</h2>
 *
 * A probe speaks what the region's endpoints speak ({@link RegionConfig#protocol()}): HTTP/1.1,
 * cleartext HTTP/2 with prior knowledge ({@code h2c}) or HTTP/2 over TLS by ALPN ({@code h2});
 * {@code https://} endpoints are checked with the region's {@link UpstreamTls}, like the data
 * path: the same trust, and the host name verified against {@code server-name} or the endpoint's
 * host, which is also sent as SNI. One {@link HttpClient} is built per distinct (protocol, TLS
 * configuration), when the probes start. What a probe asks depends on {@link RegionConfig#probe()}:
 * {@code GET health.probe.path} (any 2xx is good) or the gRPC health service ({@link GrpcHealth};
 * {@code SERVING} is good).
 */
final class Prober implements AutoCloseable {

    /** Receives every probe's result on a probe thread; must not block. */
    interface Listener {
        /**
         * @param startedNanos when the probe started (the nano clock), so that a result can be
         *     told apart from one of a probe that began before something else happened
         * @param rttNanos request sent to response headers, or -1 when there was no response
         * @param problem why the probe failed; {@code null} when it succeeded
         */
        void probed(EndpointHealth endpoint, long startedNanos, boolean ok, long rttNanos, @Nullable String problem);
    }

    private static final Logger log = LoggerFactory.getLogger(Prober.class);

    /** Enough for a few hundred endpoints probed every second or two; probes are cheap. */
    private static final int PROBE_THREADS = 2;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
    private static final String USER_AGENT = "meridian-probe";

    private final ProbeConfig config;
    private final LongSupplier nanoClock;
    private final Listener listener;
    private final LoopResources loops;
    private final EventLoopGroup group;
    /** Plain HTTP/1.1, the base of every client. */
    private final HttpClient client;
    /** Per (protocol, TLS configuration); filled by {@link #start}, read by the chains it creates. */
    private final Map<ClientKey, ProbeClient> clients = new HashMap<>();
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
                .followRedirect(false);
    }

    /**
     * Starts one probe chain per endpoint, the first probes spread over one interval. Builds the
     * TLS contexts (reading CA files): call it off the event loops. A region whose TLS cannot be
     * set up is not refused: its probes fail, with the reason, like its requests would.
     */
    void start(List<EndpointHealth> endpoints) {
        synchronized (chains) { // start, add, remove and close only, never on a probe thread's hot path
            if (closed) {
                throw new IllegalStateException("closed");
            }
            for (EndpointHealth endpoint : endpoints) {
                addChain(endpoint, (long) (ThreadLocalRandom.current().nextDouble() * config.interval().toNanos()));
            }
        }
    }

    /**
     * Starts probing endpoints that joined (a new DNS answer), each at once: a new address takes
     * traffic only after a good probe, so its first one should not wait. No-op once closed.
     */
    void add(List<EndpointHealth> endpoints) {
        synchronized (chains) {
            if (closed) {
                return;
            }
            for (EndpointHealth endpoint : endpoints) {
                addChain(endpoint, 0);
            }
        }
    }

    /** Stops probing endpoints that left (a new DNS answer); a probe in flight is abandoned unheard. */
    void remove(Collection<EndpointHealth> endpoints) {
        synchronized (chains) {
            chains.removeIf(chain -> {
                if (endpoints.contains(chain.target)) {
                    chain.cancel();
                    return true;
                }
                return false;
            });
        }
    }

    private void addChain(EndpointHealth endpoint, long firstDelayNanos) {
        RegionConfig region = endpoint.region.region.config();
        boolean secure = "https".equalsIgnoreCase(endpoint.endpoint.uri().getScheme());
        UpstreamTlsConfig tls = secure ? region.tls() : null;
        if (secure && tls == null) {
            tls = UpstreamTlsConfig.ofDefaults(); // RegionConfig sets one; defend against a hand-made table
        }
        ProbeClient probeClient = clients.computeIfAbsent(new ClientKey(region.protocol(), tls), this::newClient);
        Chain chain = new Chain(endpoint, group.next(), probeClient, region);
        chains.add(chain);
        chain.schedule(firstDelayNanos);
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
            log.warn("probe threads did not stop within {}: {}", SHUTDOWN_TIMEOUT, e.toString());
        }
    }

    /** The wait before the next probe: {@code interval ± jitter × interval}, uniformly drawn. */
    private long nextDelayNanos() {
        double jitter = config.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (config.interval().toNanos() * (1 + jitter));
    }

    /** What one {@link HttpClient} is built for. */
    private record ClientKey(UpstreamProtocol protocol, @Nullable UpstreamTlsConfig tls) {}

    /** A client, with the TLS it checks endpoints with; or why there is none. */
    private record ProbeClient(@Nullable HttpClient client, @Nullable UpstreamTls tls, @Nullable String problem) {}

    private ProbeClient newClient(ClientKey key) {
        HttpClient c = switch (key.protocol()) {
            case H1 -> client.keepAlive(false);
            case H2C -> client.protocol(HttpProtocol.H2C);
            case H2 -> client.protocol(HttpProtocol.H2);
        };
        UpstreamTlsConfig tlsConfig = key.tls();
        if (tlsConfig == null) {
            return new ProbeClient(c, null, null);
        }
        UpstreamTls tls;
        try {
            tls = UpstreamTls.create(tlsConfig, key.protocol());
        } catch (IllegalArgumentException e) {
            log.error("cannot probe the https endpoints of a region: {}", e.getMessage());
            return new ProbeClient(null, null, "TLS not set up: " + e.getMessage());
        }
        // The context already verifies the host name (endpoint identification "HTTPS"); the
        // name checked and sent as SNI is the connection's peer host, which each chain sets
        // through its remote address (see tlsAddress).
        return new ProbeClient(c.secure(spec -> spec.sslContext(tls.context())), tls, null);
    }

    /**
     * The endpoint's resolved address carrying {@code serverName} as its host name: the TLS
     * handler takes its peer host (the name verified against the certificate, and sent as SNI
     * unless it is an IP literal) from the address it connects to, as {@link UpstreamTls#newHandler}
     * does on the data path. No lookup: the IP is given.
     */
    static InetSocketAddress tlsAddress(InetSocketAddress resolved, String serverName) {
        InetAddress ip = resolved.getAddress();
        if (ip == null) {
            return resolved;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(serverName, ip.getAddress()), resolved.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an IP address of " + ip.getAddress().length + " bytes", e); // cannot happen
        }
    }

    /** The probes of one endpoint, one at a time, all scheduled on one probe loop. */
    private final class Chain {

        private final EndpointHealth target;
        private final EventLoop loop;
        private final @Nullable HttpClient endpointClient;
        private final @Nullable String setupProblem;
        private final ProbeKind kind;
        /** The framed HealthCheckRequest, for gRPC probes. */
        private final byte[] grpcRequest;
        private volatile @Nullable ScheduledFuture<?> next;
        private volatile @Nullable Attempt current;
        /** When the probe in flight (or the last one) started; one probe of a chain at a time. */
        private volatile long startedNanos;
        /** Cancelled on its own (its endpoint left the DNS answer) while the prober runs on. */
        private volatile boolean stopped;

        Chain(EndpointHealth target, EventLoop loop, ProbeClient probeClient, RegionConfig region) {
            this.target = target;
            this.loop = loop;
            this.kind = region.probe();
            this.grpcRequest = GrpcHealth.request(region.grpcHealthService());
            this.setupProblem = probeClient.problem();
            Endpoint endpoint = target.endpoint;
            String authority = endpoint.authority();
            boolean http1 = region.protocol() == UpstreamProtocol.H1;
            HttpClient c = probeClient.client();
            if (c == null) {
                this.endpointClient = null;
                return;
            }
            UpstreamTls tls = probeClient.tls();
            InetSocketAddress address = tls == null
                    ? endpoint.address()
                    : tlsAddress(endpoint.address(), tls.serverName(endpoint.uri()));
            this.endpointClient = c
                    .remoteAddress(() -> address)
                    .headers(h -> {
                        h.set(HttpHeaderNames.HOST, authority).set(HttpHeaderNames.USER_AGENT, USER_AGENT);
                        if (http1) { // connection-specific headers are forbidden in HTTP/2 (RFC 9113, 8.2.2)
                            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        }
                        if (kind == ProbeKind.GRPC) {
                            h.set(HttpHeaderNames.CONTENT_TYPE, GrpcHealth.CONTENT_TYPE)
                                    .set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS)
                                    .set("grpc-timeout", GrpcHealth.timeout(config.timeout().toMillis()));
                        }
                    });
        }

        void schedule(long delayNanos) {
            if (closed || stopped) {
                return;
            }
            try {
                next = loop.schedule(this::probe, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // close() raced with the end of a probe: the loop is shutting down, nothing more to probe
            }
        }

        void cancel() {
            stopped = true;
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
            if (closed || stopped) {
                return;
            }
            startedNanos = nanoClock.getAsLong();
            String problem = setupProblem;
            HttpClient c = endpointClient;
            if (problem != null || c == null) {
                finished(false, -1, problem != null ? problem : "no probe client");
                return;
            }
            Attempt attempt = new Attempt(this, c);
            current = attempt;
            attempt.run();
        }

        void finished(boolean ok, long rttNanos, @Nullable String problem) {
            current = null;
            if (closed || stopped) {
                return;
            }
            try {
                listener.probed(target, startedNanos, ok, rttNanos, problem);
            } finally {
                schedule(nextDelayNanos());
            }
        }
    }

    /** One probe: the request, its timeout, and exactly one result. */
    private final class Attempt {

        private final Chain chain;
        private final HttpClient http;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile long sentAt;
        /** The probe's channel: the connection for HTTP/1.1, the stream for HTTP/2. */
        private volatile @Nullable Channel channel;
        /** The probe's exchange, so that a cancelled one can discard what is still to arrive. */
        private volatile @Nullable Connection connection;
        private volatile @Nullable Disposable request;
        private volatile @Nullable ScheduledFuture<?> timer;

        Attempt(Chain chain, HttpClient http) {
            this.chain = chain;
            this.http = http;
        }

        void run() {
            sentAt = nanoClock.getAsLong();
            HttpClient c = http.doOnRequest((req, connection) -> {
                sentAt = nanoClock.getAsLong();
                channel = connection.channel();
                this.connection = connection;
            });
            Mono<Void> exchange = chain.kind == ProbeKind.GRPC ? grpc(c) : httpGet(c);
            Disposable d = exchange
                    .doFinally(signal -> closeHttp2Connection())
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

        /** {@code GET health.probe.path}: any 2xx is good. */
        private Mono<Void> httpGet(HttpClient c) {
            // The body is read to its end (each chunk released as it comes) before the probe
            // counts: letting the client drop an unread body races with its last chunk.
            return c.get()
                    .uri(config.path())
                    .response((response, body) -> {
                        int status = response.status().code();
                        long rtt = Math.max(0, nanoClock.getAsLong() - sentAt);
                        return body.then(Mono.fromRunnable(() -> {
                            boolean ok = status >= 200 && status < 300;
                            complete(ok, rtt, ok ? null : "HTTP " + status);
                        }));
                    })
                    .then();
        }

        /** {@code grpc.health.v1.Health/Check}: SERVING with grpc-status 0 is good. */
        private Mono<Void> grpc(HttpClient c) {
            byte[] message = chain.grpcRequest;
            return c.post()
                    .uri(GrpcHealth.PATH)
                    .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(message)))
                    .response((response, body) -> {
                        int status = response.status().code();
                        long rtt = Math.max(0, nanoClock.getAsLong() - sentAt);
                        HttpHeaders headers = response.responseHeaders();
                        BoundedBody bytes = new BoundedBody();
                        return body.asByteArray()
                                .doOnNext(bytes::add)
                                .then(response.trailerHeaders().defaultIfEmpty(EmptyHttpHeaders.INSTANCE))
                                .doOnNext(trailers -> {
                                    String problem = GrpcHealth.problem(status, headers, trailers, bytes.bytes());
                                    complete(problem == null, rtt, problem);
                                });
                    })
                    .then();
        }

        /**
         * Reactor Netty keeps HTTP/2 connections in a pool even with
         * {@link ConnectionProvider#newConnection()}; closing the connection of the probe's stream
         * once it is over (answered, failed, timed out or cancelled) keeps the promise of one new
         * connection per probe. HTTP/1.1 probes close theirs themselves ({@code Connection: close}).
         */
        private void closeHttp2Connection() {
            Channel stream = channel;
            Channel connection = stream != null ? stream.parent() : null;
            if (connection != null) {
                connection.close();
            }
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

        /**
         * Cancels the exchange, and discards its inbound side: content that arrives after the
         * cancel (or sits in the receive queue when the connection closes) is released there,
         * not left to the collector (seen under load as a leaked LastHttpContent).
         */
        private void dispose() {
            Disposable d = request;
            if (d != null) {
                d.dispose();
            }
            if (connection instanceof ChannelOperations<?, ?> operations) {
                operations.discard();
            }
        }
    }

    /** A response body, refused beyond {@link GrpcHealth#MAX_RESPONSE_BYTES}. */
    private static final class BoundedBody {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);

        void add(byte[] chunk) {
            if (chunk.length > GrpcHealth.MAX_RESPONSE_BYTES - bytes.size()) {
                throw new IllegalStateException("grpc health: response body larger than "
                        + GrpcHealth.MAX_RESPONSE_BYTES / 1024 + " KiB");
            }
            bytes.writeBytes(chunk);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** A short reason for a failed probe, for the log and the report. */
    static String describe(Throwable error) {
        String tls = describeTls(error);
        if (tls != null) {
            return tls;
        }
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
        if (message != null && message.startsWith("grpc health: ")) {
            return message;
        }
        return e.getClass().getSimpleName() + (message != null ? ": " + message : "");
    }

    /**
     * What went wrong in a TLS handshake, named for an operator: expired or not yet valid
     * certificate, unknown CA, host-name mismatch, an endpoint that does not speak TLS; else the
     * TLS library's own message. {@code null} when {@code error} is not about TLS.
     */
    static @Nullable String describeTls(Throwable error) {
        SSLException ssl = null;
        String mismatch = null;
        int depth = 0;
        for (Throwable e = error; e != null && depth < 16; e = e.getCause() == e ? null : e.getCause(), depth++) {
            String message = e.getMessage() != null ? e.getMessage() : "";
            if (e instanceof CertificateExpiredException) {
                return "TLS: the endpoint's certificate has expired (" + message + ")";
            }
            if (e instanceof CertificateNotYetValidException) {
                return "TLS: the endpoint's certificate is not valid yet (" + message + ")";
            }
            if (e instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return "TLS: the endpoint's certificate (or its chain) has expired";
            }
            if (e instanceof CertPathBuilderException) {
                return "TLS: the endpoint's certificate is not signed by a trusted CA (unknown CA; "
                        + "trusted: regions[].tls.ca, or the JVM trust store without it)";
            }
            if (e instanceof CertificateException && mismatch == null
                    && (message.contains("No subject alternative") || message.contains("No name matching"))) {
                mismatch = "TLS: the endpoint's certificate does not match the name checked (" + message
                        + "; set regions[].tls.server-name to the name it was issued for)";
            }
            if (e instanceof NotSslRecordException) {
                return "TLS: the endpoint did not answer with TLS (plain HTTP on an https:// endpoint?)";
            }
            if (e instanceof SSLException s) {
                ssl = s;
            }
        }
        if (mismatch != null) {
            return mismatch;
        }
        if (ssl == null) {
            return null;
        }
        String message = String.valueOf(ssl.getMessage());
        if (message.contains("CERTIFICATE_VERIFY_FAILED")) {
            return "TLS: certificate verification failed (" + message + ")";
        }
        return "TLS handshake failed: " + message;
    }
}
