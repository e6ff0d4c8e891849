package dev.meridian.router.upstream;

import dev.meridian.config.UpstreamConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Every upstream pool, keyed by (event loop, endpoint). The map of loops is fixed at start; each
 * loop's own map of endpoints is only written from that loop. A pool speaks its region's protocol
 * (HTTP/1.1 over TCP or TLS, h2c, h2), taken from the {@link UpstreamTargets} of the configuration
 * in force when the pool is created.
 *
 * <p>Endpoints are rebuilt with every configuration, and DNS adds and removes the replicas of
 * endpoints given by name, so {@link #retain} drops the pools (and the connection counts) of
 * endpoints a reload or a changed DNS answer removed.
 */
public final class UpstreamPools {

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final Map<EventExecutor, LoopPools> byLoop;
    private final Map<Endpoint, AtomicInteger> connectionsPerEndpoint = new ConcurrentHashMap<>();
    private final UpstreamConfig config;
    private final Supplier<UpstreamTargets> targets;
    private final TlsFailureLog tlsLog = new TlsFailureLog();
    /** The endpoints of the table in force, as of the last {@link #retain}; {@code null} before it (all are). */
    private volatile @Nullable Set<Endpoint> current;

    /**
     * @param targets the targets of the configuration in force (read when a pool is created)
     */
    public UpstreamPools(EventLoopGroup group, EventLoopTransport transport, UpstreamConfig config,
            Supplier<UpstreamTargets> targets) {
        this.config = config;
        this.targets = targets;
        Map<EventExecutor, LoopPools> loops = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            Bootstrap prototype = new Bootstrap()
                    .group(loop)
                    .channel(transport.channelType())
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
            loops.put(loop, new LoopPools(loop, new UpstreamPool.Settings(prototype, config.maxConnectionsPerEndpoint(),
                    config.maxPendingAcquires(), config.idleTimeout().toMillis(), tlsLog)));
        }
        this.byLoop = loops;
    }

    /** The pool for {@code endpoint} on {@code loop}; must be called on {@code loop}. */
    public UpstreamPool pool(EventLoop loop, Endpoint endpoint) {
        LoopPools pools = byLoop.get(loop);
        if (pools == null) {
            throw new IllegalStateException("event loop " + loop + " is not one of the router's loops");
        }
        return pools.pool(endpoint);
    }

    /**
     * Upstream connections of {@code region}'s endpoints: open ({@code [0]}), idle ({@code [1]}:
     * HTTP/1.1 connections without an exchange, HTTP/2 connections without a stream), requests
     * waiting for one ({@code [2]}) and active HTTP/2 streams ({@code [3]}). Any thread; the
     * figures may be a moment stale.
     */
    public int[] connections(String region) {
        int open = 0;
        for (Map.Entry<Endpoint, AtomicInteger> e : connectionsPerEndpoint.entrySet()) {
            if (e.getKey().region().equals(region)) {
                open += e.getValue().get();
            }
        }
        int idle = 0;
        int waiting = 0;
        int streams = 0;
        for (LoopPools loopPools : byLoop.values()) {
            for (UpstreamPool pool : loopPools.pools.values()) {
                if (pool.endpoint().region().equals(region)) {
                    idle += pool.idleCount();
                    waiting += pool.waitingCount();
                    streams += pool.streamCount();
                }
            }
        }
        return new int[] {open, idle, waiting, streams};
    }

    /**
     * Keeps only the pools of {@code regions}' endpoints (the configuration now in force): the
     * others close their idle connections and refuse new leases, and leased connections close
     * when their exchanges end. Call it after publishing a new configuration; any thread.
     */
    public void retain(Collection<Region> regions) {
        Set<Endpoint> current = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> names = new HashSet<>();
        for (Region region : regions) {
            for (Endpoint endpoint : region.endpoints()) {
                current.add(endpoint);
                names.add(endpoint.toString());
            }
        }
        this.current = current;
        connectionsPerEndpoint.keySet().retainAll(current);
        tlsLog.retain(names);
        for (LoopPools pools : byLoop.values()) {
            pools.loop.execute(() -> pools.retain(current));
        }
    }

    /** Closes every idle connection; each on its own loop. */
    public void closeAll() {
        for (LoopPools pools : byLoop.values()) {
            pools.loop.execute(pools::closeAll);
        }
    }

    private final class LoopPools {
        final EventLoop loop;
        final UpstreamPool.Settings settings;
        // Written on the loop, read by the metrics from other threads.
        final Map<Endpoint, UpstreamPool> pools = new ConcurrentHashMap<>();

        LoopPools(EventLoop loop, UpstreamPool.Settings settings) {
            this.loop = loop;
            this.settings = settings;
        }

        UpstreamPool pool(Endpoint endpoint) {
            UpstreamPool pool = pools.get(endpoint);
            if (pool == null) {
                // Once per loop and endpoint, never per request.
                pool = create(endpoint);
                pools.put(endpoint, pool);
            }
            return pool;
        }

        private UpstreamPool create(Endpoint endpoint) {
            AtomicInteger count = connectionsPerEndpoint.computeIfAbsent(endpoint, e -> new AtomicInteger());
            UpstreamTargets.Target target = targets.get().target(endpoint.region());
            Set<Endpoint> inForce = current;
            if (target == null || (inForce != null && !inForce.contains(endpoint))) {
                // A retry of a request that began before a reload removed the region, or before its
                // address left the DNS answer: refuse, it goes elsewhere. Closed at once, so
                // nothing of the old endpoint lingers.
                connectionsPerEndpoint.remove(endpoint);
                Http1UpstreamPool gone = new Http1UpstreamPool(endpoint, loop, null, count, settings);
                gone.close();
                return gone;
            }
            if (target.protocol().isHttp2()) {
                return new Http2UpstreamPool(endpoint, loop, target.tls(), count, settings);
            }
            return new Http1UpstreamPool(endpoint, loop, target.tls(), count, settings);
        }

        void retain(Set<Endpoint> current) {
            pools.entrySet().removeIf(e -> {
                if (current.contains(e.getKey())) {
                    return false;
                }
                e.getValue().close();
                return true;
            });
        }

        void closeAll() {
            for (UpstreamPool pool : pools.values()) {
                pool.close();
            }
        }
    }
}

