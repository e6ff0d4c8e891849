package dev.meridian.loadtest.gateway;

import dev.meridian.loadtest.SocketTransport;
import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * One simulated replica of GitLab's AI gateway: a Netty HTTP/1.1 and HTTP/2 server with the
 * gateway's endpoints, a gRPC service, a latency model, injectable {@link Fault}s and a JSON
 * control port.
 *
 * <p>Why it exists: the router's behaviour that matters most (failover, retries, hedging, timeouts,
 * cancellation, keep-alive pooling, streaming with backpressure) only shows against upstreams that
 * are slow, broken or streaming on demand. This class is those upstreams, in-process for tests and
 * the demo, and fast enough not to be the bottleneck of a benchmark: pre-built bodies, pooled
 * buffers, keep-alive, epoll where available, and an event loop that never blocks (latency is a
 * scheduled task, never a sleep).
 *
 * <pre>{@code
 * try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("us-east-1")
 *         .withLatency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(200))))) {
 *     URI upstream = gateway.baseUri();          // http://127.0.0.1:PORT
 *     gateway.setFault(Fault.errors(503, 0.5));  // half the requests fail from now on
 *     gateway.down();                            // connection refused ...
 *     gateway.up();                              // ... and back on the same port
 *     assertThat(gateway.stats().cancelled()).isZero();
 * }
 * }</pre>
 *
 * <p>Endpoints of the data port: {@code POST /v2/code/completions}, {@code POST /v2/completions}
 * (JSON), {@code POST /v4/code/suggestions} (SSE), {@code POST /v2/chat/agent} (NDJSON),
 * {@code /echo}, {@code GET /bytes/{n}}, {@code GET /monitoring/healthz}, {@code GET /monitoring/ready};
 * per-request overrides are listed in {@link SimHeaders}. Over HTTP/2 (h2 by ALPN when
 * {@link GatewayConfig#withTls TLS} is on, h2c with prior knowledge in plaintext) the same endpoints
 * answer, and so do two gRPC methods written on raw Netty HTTP/2 ({@link GrpcStreamHandler}):
 * {@code meridian.sim.v1.Chat/Converse}, a bidirectional stream that echoes each message with the
 * gateway's name as its region, and the standard {@code grpc.health.v1.Health/Check}. The control port's endpoints are
 * {@code GET /stats}, {@code POST /stats/reset}, {@code GET|PUT /fault}, {@code GET|PUT /latency},
 * {@code POST /down}, {@code POST /up}, {@code GET|POST /hold}.
 *
 * <p>Thread safety: every method may be called from any thread. The blocking ones ({@link #start},
 * {@link #down()}, {@link #up()}, {@link #close()}) wait at most {@value #LIFECYCLE_TIMEOUT_SECONDS}
 * seconds and refuse to run on one of this gateway's event loops.
 */
public final class SimulatedGateway implements AutoCloseable {

    static final long LIFECYCLE_TIMEOUT_SECONDS = 10;
    private static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(LIFECYCLE_TIMEOUT_SECONDS);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final GatewayConfig config;
    private final SocketTransport transport;
    private final GatewayState state;
    private final EventLoopGroup dataGroup;
    private final EventLoopGroup controlGroup;
    private final ChannelGroup dataChannels;
    private final ServerBootstrap dataBootstrap;
    private final AtomicReference<CompletableFuture<Void>> lifecycleTail = new AtomicReference<>(DONE);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean accepting;
    private volatile @Nullable Channel dataServer;
    private volatile int port;
    private volatile @Nullable Channel controlServer;
    private volatile int controlPort;

    private SimulatedGateway(GatewayConfig config, SocketTransport transport, Clock clock, @Nullable SslContext sslContext) {
        this.config = config;
        this.transport = transport;
        this.state = new GatewayState(config.name(), config.fault(), config.latency(), clock);
        this.dataGroup = new MultiThreadIoEventLoopGroup(config.eventLoops(),
                new DefaultThreadFactory("sim-" + config.name() + "-data", true), transport.ioHandlerFactory());
        this.controlGroup = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("sim-" + config.name() + "-control", true), transport.ioHandlerFactory());
        this.dataChannels = new DefaultChannelGroup("sim-" + config.name(), GlobalEventExecutor.INSTANCE);
        this.dataBootstrap = new ServerBootstrap()
                .group(dataGroup)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new DataChannelInitializer(state, dataChannels, () -> accepting, sslContext));
    }

    /**
     * Starts a gateway: binds the data port and the control port, and returns once both listen.
     *
     * @throws IllegalStateException when a port cannot be bound (the cause says why)
     */
    public static SimulatedGateway start(GatewayConfig config) {
        return start(config, SocketTransport.preferred(), Clock.systemUTC());
    }

    /** Starts on a given transport with a given clock (tests). */
    static SimulatedGateway start(GatewayConfig config, SocketTransport transport, Clock clock) {
        requireNonNull(config, "config");
        if (!transport.isAvailable()) {
            throw new IllegalArgumentException("transport: " + transport + " is not available on this platform");
        }
        GatewayConfig.Tls tls = config.tls();
        SimulatedGateway gateway = new SimulatedGateway(config, transport, clock, tls == null ? null : sslContext(tls));
        try {
            gateway.await(gateway.bindControl(), "start (control port " + config.controlPort() + ")");
            gateway.await(gateway.lifecycle(gateway::bindData), "start (data port " + config.port() + ")");
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    /** The name given in the config, sent as {@code X-Sim-Gateway} on every response. */
    public String name() {
        return config.name();
    }

    /** The data port actually bound; it stays the same across {@link #down()} and {@link #up()}. */
    public int port() {
        return port;
    }

    /** The control port actually bound. */
    public int controlPort() {
        return controlPort;
    }

    /**
     * {@code http://HOST:PORT} of the data port, {@code https://} when it speaks TLS (loopback when
     * bound to a wildcard address).
     */
    public URI baseUri() {
        return uri(config.tls() == null ? "http" : "https", port);
    }

    /** {@code http://HOST:PORT} of the control port. */
    public URI controlUri() {
        return uri("http", controlPort);
    }

    /** The transport serving this gateway: {@code epoll} or {@code nio}. */
    public String transport() {
        return transport.name().toLowerCase(Locale.ROOT);
    }

    /** Replaces the fault; it applies to requests that start from now on. */
    public void setFault(Fault fault) {
        state.fault(fault);
    }

    /** The fault new requests get. */
    public Fault fault() {
        return state.fault();
    }

    /** Replaces the latency model; it applies to requests that start from now on. */
    public void setLatency(LatencyModel latency) {
        state.latency(latency);
    }

    /** The latency model new requests get. */
    public LatencyModel latency() {
        return state.latency();
    }

    /**
     * While {@code true}, streaming responses (SSE, NDJSON) send their first event and then wait,
     * without blocking anything, until this is called with {@code false}; then they continue.
     * Streams past their first event when the hold starts are not affected.
     */
    public void holdStreams(boolean hold) {
        state.hold().hold(hold);
    }

    /** Whether streams are being held. */
    public boolean streamsHeld() {
        return state.hold().isHeld();
    }

    /** Whether the data port is listening (false after {@link #down()}, until {@link #up()}). */
    public boolean isUp() {
        return dataServer != null;
    }

    /**
     * Acts out a dead host: closes the data listener and every open data connection, so new
     * connections are refused and exchanges in flight end abruptly. The control port stays up.
     * Idempotent; returns once both are closed.
     */
    public void down() {
        await(downAsync(), "down");
    }

    /**
     * Acts out a host whose connections break hard (a crashed process with unread data, a
     * firewall or load balancer that forgot them): closes the data listener and resets every open
     * data connection ({@code SO_LINGER} 0: the peer sees RST, RFC 9293 §3.10.4 ABORT), so new
     * connections are refused and exchanges in flight, idle keep-alive connections included, end
     * with "connection reset". The control port stays up. Idempotent; returns once all are closed.
     */
    public void downWithResets() {
        await(lifecycle(() -> unbindData(true)), "down with resets");
    }

    /** Listens again on the same data port. Idempotent; returns once listening. */
    public void up() {
        await(upAsync(), "up");
    }

    /** A snapshot of the counters; see {@link GatewayStats} for what each one means. */
    public GatewayStats stats() {
        return state.counters().snapshot();
    }

    /** Zeroes the counters (the open-connection count stays: it describes the present). */
    public void resetStats() {
        state.counters().reset();
    }

    /** Stops both ports and every event loop, waiting (bounded) for the loops to terminate. Idempotent. */
    @Override
    public void close() {
        checkNotOnOwnEventLoop("close");
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            await(lifecycle(() -> unbindData(false)), "close");
        } finally {
            Channel control = controlServer;
            if (control != null) {
                control.close().awaitUninterruptibly(LIFECYCLE_TIMEOUT.toMillis());
            }
            Future<?> data = dataGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            Future<?> controlLoops = controlGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            data.awaitUninterruptibly(LIFECYCLE_TIMEOUT.toMillis());
            controlLoops.awaitUninterruptibly(LIFECYCLE_TIMEOUT.toMillis());
        }
    }

    @Override
    public String toString() {
        return "SimulatedGateway[" + config.name() + " " + baseUri() + (isUp() ? "" : " down") + "]";
    }

    /** {@link #down()} without waiting: completes when the listener and every connection are closed. */
    CompletableFuture<Void> downAsync() {
        return lifecycle(() -> unbindData(false));
    }

    /** {@link #up()} without waiting: completes when the data port listens again. */
    CompletableFuture<Void> upAsync() {
        return lifecycle(this::bindData);
    }

    /** Bytes queued in data connections' outbound buffers, not yet taken by the sockets (tests). */
    long pendingOutboundBytes() {
        long pending = 0;
        for (Channel channel : dataChannels) {
            ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
            if (buffer != null) {
                pending += buffer.totalPendingWriteBytes();
            }
        }
        return pending;
    }

    /**
     * Runs lifecycle transitions one after another, without locks: each waits for the previous one
     * to finish (successfully or not) before it starts. The transitions themselves only call Netty's
     * asynchronous bind/close, so any thread, event loops included, may enqueue one.
     */
    private CompletableFuture<Void> lifecycle(Supplier<CompletableFuture<Void>> transition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = lifecycleTail.getAndSet(done);
        previous.handle((ignored, failure) -> null)
                .thenCompose(ignored -> transition.get())
                .whenComplete((ignored, failure) -> {
                    if (failure == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(failure);
                    }
                });
        return done;
    }

    private CompletableFuture<Void> bindData() {
        if (dataServer != null) {
            return DONE;
        }
        if (closed.get()) {
            return failed(new IllegalStateException(config.name() + " is closed"));
        }
        accepting = true;
        ChannelFuture bind = dataBootstrap.clone()
                .handler(new ListenerReleaseHandler())
                .bind(new InetSocketAddress(config.host(), port == 0 ? config.port() : port));
        return completion(bind).thenRun(() -> {
            Channel server = bind.channel();
            port = ((InetSocketAddress) server.localAddress()).getPort();
            dataServer = server;
        });
    }

    /** Closes the listener, then every data connection: politely (FIN), or with {@code reset} abortively (RST). */
    private CompletableFuture<Void> unbindData(boolean reset) {
        accepting = false;
        Channel server = dataServer;
        dataServer = null;
        CompletableFuture<Void> listenerClosed = DONE;
        if (server != null) {
            ListenerReleaseHandler release = server.pipeline().get(ListenerReleaseHandler.class);
            listenerClosed = completion(server.close()).thenCompose(ignored -> release.released());
        }
        return listenerClosed.thenCompose(ignored -> {
            if (!reset) {
                for (Channel channel : dataChannels) {
                    ServerInitiatedClose.mark(channel);
                }
                return completion(dataChannels.close());
            }
            List<CompletableFuture<Void>> closed = new ArrayList<>();
            for (Channel channel : dataChannels) {
                closed.add(completion(channel.closeFuture()));
                channel.eventLoop().execute(() -> ServerInitiatedClose.reset(channel));
            }
            return CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0]));
        });
    }

    private CompletableFuture<Void> bindControl() {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(controlGroup)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ControlChannelInitializer(new ControlHandler(this)));
        ChannelFuture bind = bootstrap.bind(new InetSocketAddress(config.host(), config.controlPort()));
        return completion(bind).thenRun(() -> {
            Channel server = bind.channel();
            controlPort = ((InetSocketAddress) server.localAddress()).getPort();
            controlServer = server;
        });
    }

    private URI uri(String scheme, int boundPort) {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = GatewayConfig.LOOPBACK;
        } else if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create(scheme + "://" + host + ":" + boundPort);
    }

    /**
     * The data port's TLS context: the PEM certificate chain and key of {@code tls}, ALPN offering
     * h2 then http/1.1, and HTTP/2's cipher suites (RFC 9113 §9.2.2 forbids the weak ones). Built with
     * the JDK's TLS, so it needs no native library.
     *
     * @throws IllegalArgumentException naming the files when they cannot be read or do not hold a
     *     certificate chain and an unencrypted PKCS#8 key
     */
    static SslContext sslContext(GatewayConfig.Tls tls) {
        try {
            return SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile())
                    .sslProvider(SslProvider.JDK)
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: certificate chain " + tls.certificateChain() + ", key "
                    + tls.privateKey() + ": " + e.getMessage(), e);
        }
    }

    private void await(CompletableFuture<Void> transition, String what) {
        checkNotOnOwnEventLoop(what);
        try {
            transition.get(LIFECYCLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(config.name() + ": interrupted during " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(config.name() + ": " + what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    config.name() + ": " + what + " did not finish within " + DurationText.format(LIFECYCLE_TIMEOUT), e);
        }
    }

    private void checkNotOnOwnEventLoop(String what) {
        for (EventLoopGroup group : new EventLoopGroup[] {dataGroup, controlGroup}) {
            for (EventExecutor executor : group) {
                if (executor.inEventLoop()) {
                    throw new IllegalStateException(config.name() + ": " + what
                            + "() blocks and must not run on the gateway's own event loop " + Thread.currentThread().getName());
                }
            }
        }
    }

    private static CompletableFuture<Void> completion(Future<?> future) {
        CompletableFuture<Void> completion = new CompletableFuture<>();
        future.addListener(done -> {
            if (done.isSuccess()) {
                completion.complete(null);
            } else {
                completion.completeExceptionally(done.cause());
            }
        });
        return completion;
    }

    private static CompletableFuture<Void> failed(Throwable failure) {
        return CompletableFuture.failedFuture(failure);
    }
}
