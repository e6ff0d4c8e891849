package dev.meridian.router;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.RoutingExplanation;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.regions.GeoIpLocator;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingTable;
import dev.meridian.router.internal.ClientChannelInitializer;
import dev.meridian.router.internal.EventLoopTransport;
import dev.meridian.router.internal.ProxyHandler;
import dev.meridian.router.internal.RetryBudget;
import dev.meridian.router.internal.RouterSnapshot;
import dev.meridian.router.internal.TimeToFirstByteTracker;
import dev.meridian.router.internal.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Meridian data path: the client listener, its event loops and the upstream pools.
 *
 * <pre>{@code
 * MeridianConfig config = ConfigLoader.create().load(Path.of("meridian.yaml"));
 * try (MeridianServer server = MeridianServer.start(config)) {
 *     System.out.println("listening on " + server.localAddress());
 *     ...
 *     server.drain(Duration.ofSeconds(30)); // stop accepting, let in-flight requests finish
 * }
 * }</pre>
 */
public final class MeridianServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MeridianServer.class);
    private static final WriteBufferWaterMark CLIENT_WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final GeoLocator geo;
    private final AtomicReference<RouterSnapshot> snapshot;
    private final EventLoopTransport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final UpstreamPools pools;
    private final RetryBudget budget;
    private final ChannelGroup clients;
    private final Channel listener;
    private final int eventLoops;

    private MeridianServer(MeridianConfig config) {
        this.geo = GeoIpLocator.fromConfig(config.geo());
        try {
            this.snapshot = new AtomicReference<>(snapshotOf(config, geo));
        } catch (RuntimeException e) {
            geo.close();
            throw e;
        }
        this.transport = EventLoopTransport.select(config.server().transport());
        this.eventLoops = config.server().eventLoops() > 0
                ? config.server().eventLoops()
                : Runtime.getRuntime().availableProcessors();
        this.acceptGroup = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("meridian-accept"), transport.ioHandlerFactory());
        this.ioGroup = new MultiThreadIoEventLoopGroup(
                eventLoops, new DefaultThreadFactory("meridian-io"), transport.ioHandlerFactory());
        this.pools = new UpstreamPools(ioGroup, transport, config.upstream());
        RetriesConfig retries = config.retries();
        this.budget = new RetryBudget(retries.budgetRatio(), (int) Math.max(1, retries.budgetWindow().toSeconds()),
                retries.minPerSecond(), System::nanoTime);
        this.clients = new DefaultChannelGroup("meridian-clients", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, CLIENT_WATER_MARK)
                .childHandler(new ClientChannelInitializer(
                        snapshot::get, pools, clients, budget, new TimeToFirstByteTracker(System::nanoTime), "http"));
        ChannelFuture bound = bootstrap
                .bind(config.listen().address(), config.listen().port())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutdownGroups();
            Throwable cause = bound.cause();
            throw new IllegalStateException("cannot listen on " + config.listen().address() + ':'
                    + config.listen().port() + ": " + cause.getMessage(), cause);
        }
        this.listener = bound.channel();
        snapshot.get().health().startProbes();
        log.info("Meridian listening on {} ({} transport, {} event loops, {} regions)",
                listener.localAddress(), transport.name(), eventLoops, config.regions().size());
    }

    /**
     * Binds the listener and starts serving. Resolves every endpoint's host name first, so call it
     * where blocking is fine.
     *
     * @throws IllegalArgumentException when an endpoint's host does not resolve
     * @throws dev.meridian.regions.GeoDatabaseException when the GeoIP database is required and cannot be opened
     * @throws IllegalStateException when the listener cannot bind (the message says why)
     */
    public static MeridianServer start(MeridianConfig config) {
        requireNonNull(config, "config");
        return new MeridianServer(config);
    }

    private static RouterSnapshot snapshotOf(MeridianConfig config, GeoLocator geo) {
        RoutingTable table = RoutingTable.build(config.regions(), config.routing(), System::nanoTime);
        HealthRegistry health = HealthRegistry.create(table, config.health());
        RoutingPolicy policy = RoutingPolicy.create(table, config.routing(), health);
        return new RouterSnapshot(config, policy, health, new ClientAddressResolver(config.geo()), geo);
    }

    /** The address the client listener is bound to (with the real port when the config said 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    /** {@code epoll} or {@code nio}. */
    public String transportName() {
        return transport.name();
    }

    public MeridianConfig config() {
        return snapshot.get().config();
    }

    /**
     * Where a request from {@code client} at {@code location} for {@code path} would go now, with
     * live health, and why (the admin API's explain).
     */
    public RoutingExplanation explain(
            InetAddress client, @Nullable ClientLocation location, String path, @Nullable String tenant) {
        RouterSnapshot current = snapshot.get();
        RouteConfig route = current.config().routeFor(path);
        return current.policy().explain(new RoutingRequest(client, location, route, route.stickyHeader() == null ? null : tenant));
    }

    /** Client connections open right now. */
    public int openClientConnections() {
        return clients.size();
    }

    /**
     * Stops accepting, lets in-flight exchanges finish (each connection closes after its current
     * response; idle ones close at once), and after {@code grace} closes whatever is left. Then
     * releases every resource. Blocks until done.
     *
     * @return whether every in-flight request finished within {@code grace}
     */
    public boolean drain(Duration grace) {
        requireNonNull(grace, "grace");
        listener.close().syncUninterruptibly();
        for (Channel client : clients) {
            client.eventLoop().execute(() -> client.pipeline().fireUserEventTriggered(ProxyHandler.DRAIN));
        }
        int open = clients.size();
        log.info("draining: listener closed, waiting up to {} ms for {} connection(s)", grace.toMillis(), open);
        boolean clean = clients.newCloseFuture().awaitUninterruptibly(grace.toMillis(), TimeUnit.MILLISECONDS);
        if (!clean) {
            log.warn("drain deadline passed with {} connection(s) still open; closing them", clients.size());
        }
        close();
        return clean;
    }

    /** Closes every connection at once and stops the event loops. Idempotent. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        pools.closeAll();
        shutdownGroups();
    }

    private void shutdownGroups() {
        snapshot.get().health().close();
        geo.close();
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        ioGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
