package dev.meridian.router;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.health.HealthReport;
import dev.meridian.config.RegionConfig;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.EndpointAddresses;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.Region;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.regions.RoutingExplanation;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.regions.GeoIpLocator;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingTable;
import dev.meridian.router.discovery.DnsDiscovery;
import dev.meridian.router.discovery.NameStatus;
import dev.meridian.router.exchange.AttemptRescuer;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RegionStalls;
import dev.meridian.router.exchange.RetryBudget;
import dev.meridian.router.exchange.RouteTable;
import dev.meridian.router.exchange.RouterGauges;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.exchange.TimeToFirstByteTracker;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RecentRequests;
import dev.meridian.router.metrics.RequestMeters;
import dev.meridian.router.server.ClientChannelInitializer;
import dev.meridian.router.metrics.ClientLimitMeters;
import dev.meridian.router.server.ConnectionLimitHandler;
import dev.meridian.router.server.ProxyHandler;
import dev.meridian.router.server.ServerTls;
import dev.meridian.router.upstream.EventLoopTransport;
import dev.meridian.router.upstream.UpstreamPools;
import dev.meridian.router.upstream.UpstreamTargets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
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

    /** The one clock of the data path's logic, the health registries and the routing policies. */
    private static final LongSupplier NANO_CLOCK = System::nanoTime;

    private final GeoLocator geo;
    private final PrometheusMeterRegistry meters;
    private final TimeToFirstByteTracker timeToFirstByte = new TimeToFirstByteTracker(NANO_CLOCK);
    private final AttemptRescuer rescuer;
    private final AtomicReference<RouterSnapshot> snapshot;
    private final EventLoopTransport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final UpstreamPools pools;
    private final ProxyResources resources;
    private final ChannelGroup clients;
    private final Channel listener;
    private final int eventLoops;
    private final JvmGcMetrics gcMetrics;
    private final AccessLog accessLog;
    private final RouterGauges gauges;
    private final @Nullable ServerTls tls;
    /** Resolves the endpoints given by host name, and tells {@link #dnsChanged()} when an answer changed. */
    private final DnsDiscovery discovery;
    /** Applies changed DNS answers ({@link #followDns()}), off the DNS loop; at most one run waiting. */
    private final ThreadPoolExecutor dnsApplier;
    private final AtomicBoolean dnsPending = new AtomicBoolean();
    /** Set once the constructor has published the first snapshot: DNS changes apply from then on. */
    private volatile boolean started;

    private MeridianServer(MeridianConfig config) {
        this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(meters);
        try {
            this.accessLog = AccessLog.start(config.accessLog(), meters);
        } catch (IOException e) {
            gcMetrics.close();
            throw new IllegalStateException("cannot open the access log " + config.accessLog().file() + ": " + e.getMessage(), e);
        }
        this.geo = GeoIpLocator.fromConfig(config.geo());
        this.dnsApplier = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1),
                new DefaultThreadFactory("meridian-dns-apply", true), new ThreadPoolExecutor.DiscardPolicy());
        this.discovery = DnsDiscovery.create(meters, this::dnsChanged);
        try {
            followNames(config);
            this.snapshot = new AtomicReference<>(snapshotOf(config, geo, RegionOverrides.NONE, meters, timeToFirstByte, discovery));
            warnUnresolved(config, snapshot.get().policy().table());
        } catch (RuntimeException e) {
            discovery.close();
            dnsApplier.shutdownNow();
            geo.close();
            accessLog.close();
            gcMetrics.close();
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
        new NettyEventExecutorMetrics(ioGroup).bindTo(meters);
        this.rescuer = new AttemptRescuer(ioGroup, NANO_CLOCK);
        snapshot.get().health().listen(rescuer);
        try {
            this.tls = config.listen().tls() == null ? null
                    : ServerTls.start(config.listen().tls(), "listen", config.server().http2().enabled());
        } catch (RuntimeException e) {
            shutdownGroups();
            throw e;
        }
        this.pools = new UpstreamPools(ioGroup, transport, config.upstream(), () -> snapshot.get().upstreams());
        RetriesConfig retries = config.retries();
        RetryBudget budget = new RetryBudget(retries.budgetRatio(),
                (int) Math.max(1, retries.budgetWindow().toSeconds()), retries.minPerSecond(), NANO_CLOCK);
        this.resources = new ProxyResources(pools, budget, timeToFirstByte, rescuer,
                new RecentRequests(), accessLog, tls == null ? "http" : "https", NANO_CLOCK, Clock.systemUTC());
        this.clients = new DefaultChannelGroup("meridian-clients", GlobalEventExecutor.INSTANCE);
        this.gauges = new RouterGauges(meters, snapshot::get, pools, clients::size);
        ClientLimitMeters limitMeters = new ClientLimitMeters(meters);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelType())
                .handler(new ConnectionLimitHandler(config.server(), limitMeters, System::nanoTime))
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, CLIENT_WATER_MARK)
                .childHandler(new ClientChannelInitializer(snapshot::get, resources, clients, limitMeters, tls));
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
        rescuer.start();
        snapshot.get().health().startProbes();
        started = true;
        dnsChanged(); // an answer that changed while the first table was being built
        log.info("Meridian listening on {} ({}, {} transport, {} event loops, {} regions)",
                listener.localAddress(), protocols(config, tls), transport.name(), eventLoops, config.regions().size());
    }

    private static String protocols(MeridianConfig config, @Nullable ServerTls tls) {
        boolean h2 = config.server().http2().enabled();
        if (tls != null) {
            return "TLS via " + tls.provider() + (h2 ? ", h2 and http/1.1" : ", http/1.1");
        }
        return h2 ? "plaintext, HTTP/1.1 and h2c" : "plaintext, HTTP/1.1";
    }

    /**
     * Binds the listener and starts serving. Resolves the endpoints given by host name first,
     * waiting at most twice {@code dns.query-timeout} for the answers (a name without an answer by
     * then leaves its endpoint without replicas until it resolves, with a warning), so call it
     * where blocking is fine.
     *
     * @throws dev.meridian.regions.GeoDatabaseException when the GeoIP database is required and cannot be opened
     * @throws IllegalStateException when the listener cannot bind (the message says why)
     */
    public static MeridianServer start(MeridianConfig config) {
        requireNonNull(config, "config");
        return new MeridianServer(config);
    }

    private static RouterSnapshot snapshotOf(MeridianConfig config, GeoLocator geo, RegionOverrides overrides,
            MeterRegistry meters, TimeToFirstByteTracker timeToFirstByte, EndpointAddresses addresses) {
        // First: a region's unusable TLS settings (an unreadable CA file) fail start or reload early.
        UpstreamTargets upstreams = UpstreamTargets.of(config.regions());
        RoutingTable table = RoutingTable.build(config.regions(), config.routing(), NANO_CLOCK, addresses);
        HealthRegistry health = HealthRegistry.create(table, config.health(), NANO_CLOCK);
        RoutingPolicy policy = RoutingPolicy.create(table, config.routing(), health, overrides, NANO_CLOCK);
        return new RouterSnapshot(config, RouteTable.of(config), policy, health, new ClientAddressResolver(config.geo()), geo,
                new RequestMeters(meters, config), upstreams,
                new RegionStalls(table, health, config.health().stall(), timeToFirstByte, NANO_CLOCK));
    }

    /** The admin overrides (weights, drains) in force. */
    public RegionOverrides overrides() {
        return snapshot.get().policy().overrides();
    }

    /**
     * Routes new requests with {@code next} overrides from now on, over the same regions and
     * health; requests in flight finish where they are. Call it off the event loops.
     */
    public synchronized void applyOverrides(RegionOverrides next) {
        requireNonNull(next, "next");
        RouterSnapshot current = snapshot.get();
        RegionOverrides kept = next.retainRegions(regionNames(current.config()));
        snapshot.set(current.withPolicy(current.policy().withOverrides(kept)));
    }

    /**
     * Replaces the configuration of regions, routes, routing, health, geo and DNS (listener,
     * server and upstream pool settings take effect at the next restart). Admin overrides stay for
     * the regions that are still configured. Requests in flight finish on the old configuration.
     * New endpoint names are resolved first, waiting at most twice {@code dns.query-timeout}.
     *
     * @throws IllegalArgumentException when a region's TLS settings cannot be used (the old configuration stays)
     */
    public synchronized void reload(MeridianConfig next) {
        requireNonNull(next, "next");
        RouterSnapshot current = snapshot.get();
        MeridianConfig old = current.config();
        if (!next.listen().equals(old.listen()) || !next.server().equals(old.server())
                || !next.upstream().equals(old.upstream()) || !next.accessLog().equals(old.accessLog())) {
            log.warn("reload: listen, server, upstream and access-log settings changed; they take effect at the next restart");
        }
        boolean newGeo = !next.geo().equals(old.geo());
        GeoLocator geoNext = newGeo ? GeoIpLocator.fromConfig(next.geo()) : current.geo();
        RouterSnapshot fresh;
        try {
            followNames(next);
            fresh = snapshotOf(next, geoNext, current.policy().overrides().retainRegions(regionNames(next)), meters,
                    timeToFirstByte, discovery);
        } catch (RuntimeException e) {
            if (newGeo) {
                geoNext.close();
            }
            followNames(old); // back to the names (and DNS settings) of the configuration that stays
            throw e;
        }
        fresh.health().listen(rescuer);
        fresh.health().startProbes();
        snapshot.set(fresh);
        pools.retain(fresh.policy().table().regions());
        gauges.sync();
        current.health().close();
        warnUnresolved(next, fresh.policy().table());
        if (newGeo) {
            // Lookups in flight may still use the old reader for a moment.
            GlobalEventExecutor.INSTANCE.schedule(current.geo()::close, 5, TimeUnit.SECONDS);
        }
        log.info("reloaded: {} regions, {} routes", next.regions().size(), next.routes().size());
    }

    /** Resolves the endpoint names of {@code config} with its DNS settings from now on, waiting a bounded time for new names. */
    private void followNames(MeridianConfig config) {
        discovery.update(config.dns(), DnsDiscovery.regionsByHost(config.regions()));
        discovery.awaitAnswers(config.dns().queryTimeout().multipliedBy(2));
    }

    /** On the DNS loop: a name's addresses changed. Hands the work to the applier thread; never blocks. */
    private void dnsChanged() {
        if (!started || !dnsPending.compareAndSet(false, true)) {
            return;
        }
        try {
            dnsApplier.execute(this::followDns);
        } catch (RejectedExecutionException e) {
            dnsPending.set(false); // closing
        }
    }

    /**
     * Makes the region replicas follow the DNS answers, the way a reload replaces a configuration
     * but for the endpoints alone: the next routing table keeps the endpoints of addresses still
     * answered; the health registry adds the joining ones (probed before they take traffic) and
     * retires the leaving ones (no new requests); the policy moves to the new table with the same
     * overrides; then the pools of the addresses that left close, their requests in flight
     * finishing first. On the applier thread.
     */
    private void followDns() {
        dnsPending.set(false);
        synchronized (this) {
            if (!started || !listener.isOpen()) {
                return;
            }
            RouterSnapshot current = snapshot.get();
            RoutingTable table = current.policy().table();
            RoutingTable next = table.withAddresses(discovery);
            if (next == table) {
                return;
            }
            current.health().update(next); // before the policy: a joining address must be known (down) when first seen
            snapshot.set(current.withPolicy(current.policy().withTable(next)));
            pools.retain(next.regions());
            gauges.sync();
            warnUnresolved(current.config(), next);
        }
    }

    /** A WARN for each named endpoint without an address, and for each region left with no endpoint at all. */
    private void warnUnresolved(MeridianConfig config, RoutingTable table) {
        Map<String, NameStatus> names = discovery.names();
        for (Region region : table.regions()) {
            RegionConfig regionConfig = region.config();
            List<String> missing = new ArrayList<>();
            for (URI uri : regionConfig.endpoints()) {
                String host = uri.getHost();
                if (!DnsDiscovery.isName(host) || region.endpoints().stream().anyMatch(e -> e.uri().equals(uri))) {
                    continue;
                }
                NameStatus status = names.get(host);
                String why = status == null || status.state() == NameStatus.State.PENDING
                        ? "no answer yet"
                        : status.problem() != null ? status.problem() : status.state().label();
                missing.add(uri + " (" + why + ")");
            }
            if (missing.isEmpty()) {
                continue;
            }
            if (region.endpoints().isEmpty()) {
                log.warn("region {} is unavailable: its endpoint names do not resolve: {}; it takes traffic when they do",
                        region.name(), String.join(", ", missing));
            } else {
                log.warn("region {}: endpoint names without an address: {}; they join when they resolve",
                        region.name(), String.join(", ", missing));
            }
        }
    }

    /** The endpoint host names being resolved, with their current addresses and last answers (the admin API shows them). */
    public Map<String, NameStatus> dnsNames() {
        return discovery.names();
    }

    /** Each region's share of recent traffic (expected, from a sample of recent requests); every region present. */
    public Map<String, Double> currentShares() {
        return sharesUnder(snapshot.get().policy());
    }

    /** What {@link #currentShares()} would be under {@code candidate} overrides (a dry run: nothing changes). */
    public Map<String, Double> projectedShares(RegionOverrides candidate) {
        RoutingPolicy current = snapshot.get().policy();
        return sharesUnder(current.withOverrides(candidate.retainRegions(regionNames(snapshot.get().config()))));
    }

    private Map<String, Double> sharesUnder(RoutingPolicy policy) {
        List<RoutingRequest> sample = resources.recentRequests().snapshot();
        if (sample.isEmpty()) {
            sample = List.of(new RoutingRequest(InetAddress.getLoopbackAddress(), snapshot.get().config().defaultRoute()));
        }
        Map<String, Double> total = new LinkedHashMap<>();
        for (Region region : policy.table().regions()) {
            total.put(region.name(), 0.0);
        }
        for (RoutingRequest request : sample) {
            policy.shares(request).forEach((region, share) -> total.merge(region, share, Double::sum));
        }
        int n = sample.size();
        total.replaceAll((region, sum) -> Math.round(sum / n * 10_000) / 10_000.0);
        return total;
    }

    /**
     * The server's meters, scraped by the admin API's {@code /metrics}: the data path's
     * region-labelled request meters, region and endpoint state, upstream pools, GeoIP caches,
     * the access log, JVM and Netty (see {@code src/docs/metrics.md}).
     */
    public MeterRegistry meterRegistry() {
        return meters;
    }

    /** Probes, ejections, breakers and capacity of every region and endpoint. */
    public HealthReport healthReport() {
        return snapshot.get().health().report();
    }

    /**
     * Whether the region named {@code region} would take new requests at {@code effectiveWeight}
     * (the admin view's weight, which may be ahead of the snapshot's), by live health and the one
     * rule of {@link dev.meridian.regions.HealthSignals#isAvailable(Region, int)}; false for a region
     * a reload removed.
     */
    public boolean available(String region, int effectiveWeight) {
        RouterSnapshot current = snapshot.get();
        return current.policy().table().region(region)
                .map(candidate -> current.health().isAvailable(candidate, effectiveWeight))
                .orElse(false);
    }

    /** Whether the listener is up and at least one region can take requests. */
    public boolean ready() {
        if (!listener.isActive()) {
            return false;
        }
        RouterSnapshot current = snapshot.get();
        for (Region region : current.policy().table().regions()) {
            if (current.available(region)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> regionNames(MeridianConfig config) {
        List<String> names = new ArrayList<>();
        config.regions().forEach(region -> names.add(region.name()));
        return names;
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
     * Where a request from {@code client} at {@code location} (or, when {@code null}, wherever
     * GeoIP places the client) for {@code path} would go now, with live health, and why (the
     * admin API's explain).
     */
    public RoutingExplanation explain(
            InetAddress client, @Nullable ClientLocation location, String path, @Nullable String tenant) {
        RouterSnapshot current = snapshot.get();
        RouteConfig route = current.routes().routeFor(path);
        ClientLocation where = location != null ? location : current.geo().locate(client);
        return current.policy().explain(new RoutingRequest(client, where, route, route.stickyHeader() == null ? null : tenant));
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
        rescuer.close();
        started = false;
        discovery.close();
        dnsApplier.shutdown();
        try {
            // A change being applied finishes before the pools' loops go away under it.
            dnsApplier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (tls != null) {
            tls.close();
        }
        accessLog.close();
        gcMetrics.close();
        meters.close();
        snapshot.get().health().close();
        geo.close();
        acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        ioGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
