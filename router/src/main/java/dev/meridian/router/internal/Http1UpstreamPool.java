package dev.meridian.router.internal;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 connections from one event loop to one endpoint, one exchange at a time each, over
 * TCP or TLS ({@code https://} endpoints: the handshake is part of connecting, and a failed one is
 * a failed connect).
 *
 * <p>Idle connections are reused last-in first-out, so that a burst's extra connections go cold
 * and are closed by the idle timeout. Requests beyond the limit wait in a bounded queue for a
 * released connection, each for at most its connect timeout.
 */
final class Http1UpstreamPool extends UpstreamPool {

    private static final int MAX_RESPONSE_INITIAL_LINE = 8192;
    private static final int MAX_RESPONSE_HEADERS = 64 * 1024;
    private static final int MAX_CHUNK = 16 * 1024;

    private final Bootstrap prototype;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private boolean closed;
    // Sizes of the two queues for the metrics, which read them from another thread: plain ints
    // (never torn, possibly a moment stale), written on the loop after every change.
    private int idleCount;
    private int waitingCount;

    Http1UpstreamPool(
            Endpoint endpoint,
            EventLoop loop,
            Bootstrap prototype,
            @Nullable UpstreamTls tls,
            AtomicInteger endpointConnections,
            int maxConnections,
            int maxPending,
            long idleTimeoutMillis,
            TlsFailureLog tlsLog) {
        super(endpoint, loop, tls, endpointConnections, maxConnections, maxPending, idleTimeoutMillis, tlsLog);
        this.prototype = prototype;
    }

    @Override
    int idleCount() {
        return idleCount;
    }

    @Override
    int waitingCount() {
        return waitingCount;
    }

    private void counted() {
        idleCount = idle.size();
        waitingCount = waiters.size();
    }

    @Override
    void acquire(Lease lease, long connectTimeoutMillis) {
        assert loop.inEventLoop();
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            if (connection.isUsable()) {
                counted();
                hand(connection, lease);
                return;
            }
        }
        counted();
        if (!closed && reserve()) {
            connect(lease, connectTimeoutMillis);
        } else if (!closed && waiters.size() < maxPending) {
            Waiter waiter = new Waiter(lease, connectTimeoutMillis);
            waiter.timeout = loop.schedule(() -> expire(waiter), connectTimeoutMillis, TimeUnit.MILLISECONDS);
            waiters.addLast(waiter);
            counted();
        } else {
            lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException(
                    "connection limit " + maxConnections + " reached and " + waiters.size() + " requests waiting"));
        }
    }

    /** Takes a connection back after a complete exchange: to the next waiter, or to the idle list. */
    @Override
    void release(UpstreamConnection connection) {
        connection.endLease();
        if (!connection.isUsable()) {
            return;
        }
        if (closed) {
            connection.discard();
            return;
        }
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.timeout.cancel(false);
            if (!waiter.lease.isCancelled()) {
                counted();
                hand(connection, waiter.lease);
                return;
            }
        }
        idle.addFirst(connection);
        counted();
        // Keep a read pending while idle so that a close by the upstream is noticed at once.
        connection.channel().read();
    }

    @Override
    void discard(UpstreamConnection connection) {
        connection.endLease();
        if (connection.isConnected()) {
            connection.channel().close();
        }
    }

    @Override
    void onClosed(UpstreamConnection connection) {
        idle.remove(connection);
        counted();
    }

    @Override
    void close() {
        closed = true;
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            connection.discard();
        }
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.timeout.cancel(false);
            waiter.lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException("pool closed"));
        }
        counted();
    }

    private void unreserve() {
        unreserveSlot();
        // A slot is free: start a connection for the first waiter still interested.
        Waiter waiter;
        while (!closed && (waiter = waiters.peekFirst()) != null) {
            if (waiter.lease.isCancelled()) {
                waiters.pollFirst().timeout.cancel(false);
                continue;
            }
            if (!reserve()) {
                break;
            }
            waiters.pollFirst();
            waiter.timeout.cancel(false);
            counted();
            connect(waiter.lease, waiter.connectTimeoutMillis);
            return;
        }
        counted();
    }

    private void connect(Lease lease, long connectTimeoutMillis) {
        UpstreamConnection connection = new UpstreamConnection(this);
        Bootstrap bootstrap = prototype.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        addTls(ch, connectTimeoutMillis);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(RouterPipeline.UPSTREAM_CODEC, new HttpClientCodec(
                                new HttpDecoderConfig()
                                        .setMaxInitialLineLength(MAX_RESPONSE_INITIAL_LINE)
                                        .setMaxHeaderSize(MAX_RESPONSE_HEADERS)
                                        .setMaxChunkSize(MAX_CHUNK)
                                        // As on the client side; MessageFraming.checkResponse does the rest.
                                        .setStrictLineParsing(true)
                                        .setValidateHeaders(true)
                                        .setAllowDuplicateContentLengths(false)
                                        .setUseRfc9112TransferEncoding(true),
                                false,
                                false));
                        p.addLast(RouterPipeline.UPSTREAM_IDLE,
                                new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS));
                        if (hostHandler != null) {
                            p.addLast(RouterPipeline.UPSTREAM_HOST, hostHandler);
                        }
                        p.addLast(RouterPipeline.UPSTREAM, connection.handler());
                    }
                });
        ChannelFuture future = bootstrap.connect(endpoint.address());
        if (future.isDone() && !future.isSuccess() && !future.channel().isRegistered()) {
            // No socket at all (e.g. out of file descriptors): no close will ever free the slot, and
            // Netty completes this future on another thread; settle both here, on the loop.
            Throwable cause = future.cause();
            loop.execute(() -> {
                unreserve();
                lease.onAcquireFailed(AcquireFailure.CONNECT_FAILED, cause);
            });
            return;
        }
        future.channel().closeFuture().addListener(f -> unreserve());
        future.addListener(f -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                lease.onAcquireFailed(
                        cause instanceof ConnectTimeoutException
                                ? AcquireFailure.CONNECT_TIMEOUT
                                : AcquireFailure.CONNECT_FAILED,
                        cause);
                return;
            }
            Channel channel = future.channel();
            connection.connected(channel);
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                connected(connection, lease);
                return;
            }
            ssl.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    tlsSucceeded();
                    connected(connection, lease);
                } else {
                    channel.close();
                    lease.onAcquireFailed(tlsFailed(h.cause()), h.cause());
                }
            });
            // Auto-read is off: read the server's handshake messages.
            channel.read();
        });
    }

    private void connected(UpstreamConnection connection, Lease lease) {
        if (lease.isCancelled()) {
            release(connection);
        } else {
            hand(connection, lease);
        }
    }

    private void hand(UpstreamConnection connection, Lease lease) {
        connection.lease(lease);
        lease.onAcquired(connection);
    }

    private void expire(Waiter waiter) {
        boolean waiting = waiters.remove(waiter);
        counted();
        if (waiting && !waiter.lease.isCancelled()) {
            waiter.lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException(
                    "no connection to " + endpoint + " became free within " + waiter.connectTimeoutMillis + " ms"));
        }
    }

    private static final class Waiter {
        final Lease lease;
        final long connectTimeoutMillis;
        ScheduledFuture<?> timeout;

        Waiter(Lease lease, long connectTimeoutMillis) {
            this.lease = lease;
            this.connectTimeoutMillis = connectTimeoutMillis;
        }
    }
}
