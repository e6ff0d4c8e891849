package dev.meridian.router.server;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.ServerConfig;
import dev.meridian.router.metrics.ClientLimitMeters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@code server.max-connections} and {@code server.max-connections-per-ip} at accept, on
 * the listener's pipeline, before a connection is registered with an event loop or given a
 * pipeline: a connection over a limit is closed at once, with no response (as HAProxy and nginx's
 * stream module do; a client cannot tell which limit it met, an operator can, from
 * {@code meridian_client_connections_refused_total{reason}} and a warning logged at most once a
 * second per reason). Applies to every client connection whatever protocol it speaks.
 *
 * <p>The counts are exact: the global one is an atomic counter, the per-address one a
 * {@link ConcurrentHashMap} from socket peer address to open connections, incremented here and
 * decremented when the connection closes, with an entry removed when it reaches zero (so the map
 * holds one entry per address with open connections, no more). The per-address limit counts the
 * socket peer, not an address from a PROXY header or {@code X-Forwarded-For}.
 *
 * <pre>{@code
 * new ServerBootstrap().handler(new ConnectionLimitHandler(config.server(), limitMeters, System::nanoTime))
 * }</pre>
 */
@ChannelHandler.Sharable
public final class ConnectionLimitHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimitHandler.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int maxConnections;
    private final int maxPerIp;
    private final ClientLimitMeters meters;
    private final LongSupplier nanoTime;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final Map<ClientLimitMeters.Refusal, RateLimitedLog> logs = new EnumMap<>(ClientLimitMeters.Refusal.class);

    public ConnectionLimitHandler(ServerConfig server, ClientLimitMeters meters, LongSupplier nanoTime) {
        this.maxConnections = server.maxConnections();
        this.maxPerIp = server.maxConnectionsPerIp();
        this.meters = requireNonNull(meters, "meters");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime");
        long start = nanoTime.getAsLong() - LOG_INTERVAL_NANOS;
        for (ClientLimitMeters.Refusal reason : ClientLimitMeters.Refusal.values()) {
            logs.put(reason, new RateLimitedLog(start));
        }
    }

    /** Runs on the listener's event loop with each accepted, not yet registered, connection. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Channel child = (Channel) msg;
        InetAddress address = peer(child);
        ClientLimitMeters.@Nullable Refusal refusal = tryAcquire(address);
        if (refusal != null) {
            // Counted before the client can see the close. Not registered yet: closed the way
            // ServerBootstrap closes a child it cannot register.
            meters.refused(refusal);
            child.unsafe().closeForcibly();
            logRefusal(refusal, address);
            return;
        }
        child.closeFuture().addListener(f -> release(address));
        ctx.fireChannelRead(child);
    }

    /** Client connections counted as open right now. */
    public int openConnections() {
        return open.get();
    }

    /** Client connections counted as open from {@code address} (0 when the per-address limit is off). */
    public int openConnections(InetAddress address) {
        Integer n = perIp.get(address);
        return n == null ? 0 : n;
    }

    /** Addresses with open connections (when the per-address limit is on). */
    int trackedAddresses() {
        return perIp.size();
    }

    /** Counts a new connection from {@code address}, or says which limit refuses it (then nothing is counted). */
    ClientLimitMeters.@Nullable Refusal tryAcquire(@Nullable InetAddress address) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return ClientLimitMeters.Refusal.GLOBAL;
        }
        if (maxPerIp > 0 && address != null) {
            boolean[] admitted = {false};
            perIp.compute(address, (a, n) -> {
                int count = n == null ? 0 : n;
                if (count >= maxPerIp) {
                    return n;
                }
                admitted[0] = true;
                return count + 1;
            });
            if (!admitted[0]) {
                open.decrementAndGet();
                return ClientLimitMeters.Refusal.PER_IP;
            }
        }
        return null;
    }

    /** A connection counted by {@link #tryAcquire} closed. */
    void release(@Nullable InetAddress address) {
        open.decrementAndGet();
        if (maxPerIp > 0 && address != null) {
            perIp.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void logRefusal(ClientLimitMeters.Refusal refusal, @Nullable InetAddress address) {
        long suppressed = logs.get(refusal).tryLog(nanoTime.getAsLong());
        if (suppressed < 0) {
            return;
        }
        if (refusal == ClientLimitMeters.Refusal.GLOBAL) {
            log.warn("refused a client connection from {}: {} connections open (server.max-connections); "
                    + "{} more refused for this reason since the last such line", address, maxConnections, suppressed);
        } else {
            log.warn("refused a client connection from {}: {} connections open from that address "
                    + "(server.max-connections-per-ip); {} more refused for this reason since the last such line",
                    address, maxPerIp, suppressed);
        }
    }

    private static @Nullable InetAddress peer(Channel child) {
        return child.remoteAddress() instanceof InetSocketAddress
                ? ((InetSocketAddress) child.remoteAddress()).getAddress()
                : null;
    }

    /** Lets one line through per {@link #LOG_INTERVAL_NANOS}, counting the ones it holds back. */
    private static final class RateLimitedLog {
        private final AtomicLong lastNanos;
        private final AtomicLong suppressed = new AtomicLong();

        RateLimitedLog(long startNanos) {
            this.lastNanos = new AtomicLong(startNanos);
        }

        /** The lines held back since the last one when this one may be logged, else -1. */
        long tryLog(long now) {
            long last = lastNanos.get();
            if (now - last >= LOG_INTERVAL_NANOS && lastNanos.compareAndSet(last, now)) {
                return suppressed.getAndSet(0);
            }
            suppressed.incrementAndGet();
            return -1;
        }
    }
}
