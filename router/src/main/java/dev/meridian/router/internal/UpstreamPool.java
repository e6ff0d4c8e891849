package dev.meridian.router.internal;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The connections from one event loop to one endpoint, as an exchange sees them: it asks for a
 * {@link UpstreamConnection} (an HTTP/1.1 connection of its own, or a stream on a shared HTTP/2
 * connection), speaks {@code HttpObject}s on its channel, and gives it back whole or discards it.
 *
 * <p>A pool belongs to one event loop and is only touched from it, so it needs no locks; the
 * exchanges that use it run on the same loop as their client connection, so no request hops
 * threads. The per-endpoint connection limit is shared by the pools of all loops through one
 * atomic counter, touched only when a connection opens or closes, never per request.
 */
abstract class UpstreamPool {

    /** An exchange waiting for a connection; it receives the connection's events once it has it. */
    interface Lease extends UpstreamHandler.Listener {
        void onAcquired(UpstreamConnection connection);

        void onAcquireFailed(AcquireFailure failure, Throwable cause);

        /** Whether the exchange gave up (the client left); a connection then goes to the next waiter. */
        boolean isCancelled();
    }

    /**
     * Why no connection could be had. A TLS handshake that fails (certificate, name, ALPN) is a
     * {@code CONNECT_FAILED}: the request never left, and the endpoint is to blame.
     */
    enum AcquireFailure {
        CONNECT_FAILED,
        CONNECT_TIMEOUT,
        OVERLOADED
    }

    final Endpoint endpoint;
    final EventLoop loop;
    final @Nullable UpstreamTls tls;
    /** Sets {@code Host} to the endpoint's name on its connections; {@code null} for an endpoint given by IP address. */
    final @Nullable UpstreamHostHandler hostHandler;
    private final AtomicInteger endpointConnections;
    final int maxConnections;
    final int maxPending;
    final long idleTimeoutMillis;
    private final TlsFailureLog tlsLog;

    UpstreamPool(Endpoint endpoint, EventLoop loop, @Nullable UpstreamTls tls, AtomicInteger endpointConnections,
            int maxConnections, int maxPending, long idleTimeoutMillis, TlsFailureLog tlsLog) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.tls = tls;
        this.hostHandler = UpstreamHostHandler.forEndpoint(endpoint);
        this.endpointConnections = endpointConnections;
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.tlsLog = tlsLog;
    }

    final Endpoint endpoint() {
        return endpoint;
    }

    /** Gives {@code lease} a connection now, later, or a failure. Must be called on the pool's loop. */
    abstract void acquire(Lease lease, long connectTimeoutMillis);

    /** Takes a connection back after a complete exchange. */
    abstract void release(UpstreamConnection connection);

    /**
     * Ends the lease on a connection that may hold half an exchange: an HTTP/1.1 connection is
     * closed, an HTTP/2 stream is reset (the shared connection stays).
     */
    abstract void discard(UpstreamConnection connection);

    /** Called by the connection's handler when its channel closed. */
    abstract void onClosed(UpstreamConnection connection);

    /** Closes idle connections and refuses new leases; leased ones close when their exchange ends. */
    abstract void close();

    /** Open connections without an exchange (HTTP/1.1) or without an active stream (HTTP/2); any thread. */
    abstract int idleCount();

    /** Requests waiting for a connection or stream now; any thread, possibly a moment stale. */
    abstract int waitingCount();

    /** Active HTTP/2 streams now (0 for HTTP/1.1); any thread, possibly a moment stale. */
    int streamCount() {
        return 0;
    }

    /** Takes one of the endpoint's connection slots, or returns {@code false} when all are taken. */
    final boolean reserve() {
        for (;;) {
            int current = endpointConnections.get();
            if (current >= maxConnections) {
                return false;
            }
            if (endpointConnections.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back (once per reserved connection, when its channel closed). */
    final void unreserveSlot() {
        endpointConnections.decrementAndGet();
    }

    /**
     * Adds TLS as the first handler of a new connection when the endpoint is {@code https://}: SNI
     * and the name check from {@link UpstreamTls}, the handshake bounded by the connect timeout.
     */
    final @Nullable SslHandler addTls(Channel channel, long connectTimeoutMillis) {
        UpstreamTls context = tls;
        if (context == null) {
            return null;
        }
        SslHandler ssl = context.newHandler(channel.alloc(), endpoint.uri());
        ssl.setHandshakeTimeoutMillis(Math.max(1, connectTimeoutMillis));
        channel.pipeline().addLast(RouterPipeline.UPSTREAM_TLS, ssl);
        return ssl;
    }

    /** A failed TLS handshake: logged clearly (once per endpoint and problem), then a connect failure. */
    final AcquireFailure tlsFailed(Throwable cause) {
        tlsLog.failed(endpoint, cause);
        return cause instanceof SslHandshakeTimeoutException ? AcquireFailure.CONNECT_TIMEOUT : AcquireFailure.CONNECT_FAILED;
    }

    final void tlsSucceeded() {
        tlsLog.succeeded(endpoint);
    }

    final void tlsRefused(String problem) {
        tlsLog.failed(endpoint, problem);
    }
}
