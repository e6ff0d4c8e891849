package dev.meridian.router.upstream;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import dev.meridian.router.http.RouterPipeline;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
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

    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    // The idle list's length for the metrics, which read it from another thread: a plain int
    // (never torn, possibly a moment stale), written on the loop after every change.
    private int idleCount;

    Http1UpstreamPool(Endpoint endpoint, EventLoop loop, @Nullable UpstreamTls tls, AtomicInteger endpointConnections,
            Settings settings) {
        super(endpoint, loop, tls, endpointConnections, settings);
    }

    @Override
    int idleCount() {
        return idleCount;
    }

    @Override
    String waitedFor() {
        return "connection";
    }

    @Override
    void recount() {
        idleCount = idle.size();
    }

    @Override
    public void acquire(Lease lease, long connectTimeoutMillis) {
        assert loop.inEventLoop();
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            if (connection.isUsable()) {
                recount();
                hand(connection, lease);
                return;
            }
        }
        recount();
        if (!closed && reserve()) {
            connect(lease, connectTimeoutMillis);
        } else if (!closed && waiting() < maxPending) {
            enqueue(lease, connectTimeoutMillis, false);
        } else {
            lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException(
                    "connection limit " + maxConnections + " reached and " + waiting() + " requests waiting"));
        }
    }

    /** Takes a connection back after a complete exchange: to the next waiter, or to the idle list. */
    @Override
    public void release(UpstreamConnection connection) {
        connection.endLease();
        if (!connection.isUsable()) {
            return;
        }
        if (closed) {
            connection.discard();
            return;
        }
        Waiter waiter = takeWaiting();
        if (waiter != null) {
            hand(connection, waiter.lease);
            return;
        }
        idle.addFirst(connection);
        recount();
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
        recount();
    }

    @Override
    void closeIdleConnections() {
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            connection.discard();
        }
    }

    private void unreserve() {
        unreserveSlot();
        // A slot is free: start a connection for the first waiter still interested.
        if (!closed && firstWaiting() != null && reserve()) {
            Waiter waiter = takeWaiting();
            connect(waiter.lease, waiter.connectTimeoutMillis);
        }
    }

    private void connect(Lease lease, long connectTimeoutMillis) {
        UpstreamConnection connection = new UpstreamConnection(this);
        Bootstrap bootstrap = bootstrap(connectTimeoutMillis, new ChannelInitializer<Channel>() {
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
                        p.addLast(RouterPipeline.UPSTREAM_IDLE, idleEviction());
                        if (hostHandler != null) {
                            p.addLast(RouterPipeline.UPSTREAM_HOST, hostHandler);
                        }
                        p.addLast(RouterPipeline.UPSTREAM, connection.handler());
                    }
                });
        ChannelFuture future = bootstrap.connect(endpoint.address());
        if (failedWithoutSocket(future, cause -> {
            unreserve();
            lease.onAcquireFailed(AcquireFailure.CONNECT_FAILED, cause);
        })) {
            return;
        }
        future.channel().closeFuture().addListener(f -> unreserve());
        future.addListener(f -> {
            if (!f.isSuccess()) {
                lease.onAcquireFailed(connectFailure(f.cause()), f.cause());
                return;
            }
            Channel channel = future.channel();
            connection.connected(channel);
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                handNew(connection, lease);
                return;
            }
            ssl.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    tlsSucceeded();
                    handNew(connection, lease);
                } else {
                    channel.close();
                    lease.onAcquireFailed(tlsFailed(h.cause()), h.cause());
                }
            });
            // Auto-read is off: read the server's handshake messages.
            channel.read();
        });
    }
}
