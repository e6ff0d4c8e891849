package dev.meridian.router.internal;

import dev.meridian.config.UpstreamConfig;
import dev.meridian.regions.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every upstream pool, keyed by (event loop, endpoint). The map of loops is fixed at start; each
 * loop's own map of endpoints is only touched from that loop.
 */
public final class UpstreamPools {

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final Map<EventExecutor, LoopPools> byLoop;
    private final Map<Endpoint, AtomicInteger> connectionsPerEndpoint = new ConcurrentHashMap<>();
    private final UpstreamConfig config;

    public UpstreamPools(EventLoopGroup group, EventLoopTransport transport, UpstreamConfig config) {
        this.config = config;
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
            loops.put(loop, new LoopPools(loop, prototype));
        }
        this.byLoop = loops;
    }

    /** The pool for {@code endpoint} on {@code loop}; must be called on {@code loop}. */
    UpstreamPool pool(EventLoop loop, Endpoint endpoint) {
        LoopPools pools = byLoop.get(loop);
        if (pools == null) {
            throw new IllegalStateException("event loop " + loop + " is not one of the router's loops");
        }
        return pools.pool(endpoint);
    }

    /**
     * Upstream connections of {@code region}'s endpoints: open ({@code [0]}), idle ({@code [1]})
     * and requests waiting for one ({@code [2]}). Any thread; the figures may be a moment stale.
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
        for (LoopPools loopPools : byLoop.values()) {
            for (UpstreamPool pool : loopPools.pools.values()) {
                if (pool.endpoint().region().equals(region)) {
                    idle += pool.idleCount();
                    waiting += pool.waitingCount();
                }
            }
        }
        return new int[] {open, idle, waiting};
    }

    /** Closes every idle connection; each on its own loop. */
    public void closeAll() {
        for (LoopPools pools : byLoop.values()) {
            pools.loop.execute(pools::closeAll);
        }
    }

    private final class LoopPools {
        final EventLoop loop;
        final Bootstrap prototype;
        // Written on the loop, read by the metrics from other threads.
        final Map<Endpoint, UpstreamPool> pools = new ConcurrentHashMap<>();

        LoopPools(EventLoop loop, Bootstrap prototype) {
            this.loop = loop;
            this.prototype = prototype;
        }

        UpstreamPool pool(Endpoint endpoint) {
            UpstreamPool pool = pools.get(endpoint);
            if (pool == null) {
                // Once per loop and endpoint, never per request.
                AtomicInteger count = connectionsPerEndpoint.computeIfAbsent(endpoint, e -> new AtomicInteger());
                pool = new UpstreamPool(endpoint, loop, prototype, count,
                        config.maxConnectionsPerEndpoint(), config.maxPendingAcquires(),
                        config.idleTimeout().toMillis());
                pools.put(endpoint, pool);
            }
            return pool;
        }

        void closeAll() {
            for (UpstreamPool pool : pools.values()) {
                pool.close();
            }
        }
    }
}
