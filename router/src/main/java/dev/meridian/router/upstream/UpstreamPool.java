package dev.meridian.router.upstream;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import dev.meridian.router.http.RouterPipeline;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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
 *
 * <p>The base holds what both protocols share: the connection slots, connecting (bootstrap,
 * TLS set-up, idle eviction, failures), closing, and the bounded queue of leases waiting for a
 * connection (or a stream), each for at most its connect timeout.
 */
public abstract class UpstreamPool {

    /** What the pools of one event loop share: how to connect, the limits, where TLS failures go. */
    record Settings(Bootstrap prototype, int maxConnections, int maxPending, long idleTimeoutMillis,
            TlsFailureLog tlsLog) {}

    /** An exchange waiting for a connection; it receives the connection's events once it has it. */
    public interface Lease extends UpstreamHandler.Listener {
        void onAcquired(UpstreamConnection connection);

        void onAcquireFailed(AcquireFailure failure, Throwable cause);

        /** Whether the exchange gave up (the client left); a connection then goes to the next waiter. */
        boolean isCancelled();
    }

    /**
     * Why no connection could be had. A TLS handshake that fails (certificate, name, ALPN) is a
     * {@code CONNECT_FAILED}: the request never left, and the endpoint is to blame.
     */
    public enum AcquireFailure {
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
    final Bootstrap prototype;
    final int maxConnections;
    final int maxPending;
    final long idleTimeoutMillis;
    private final TlsFailureLog tlsLog;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** No new leases: set by {@link #close()}. */
    boolean closed;
    // The queue's length for the metrics, which read it from another thread: a plain int (never
    // torn, possibly a moment stale), written on the loop after every change.
    private int waitingCount;

    UpstreamPool(Endpoint endpoint, EventLoop loop, @Nullable UpstreamTls tls, AtomicInteger endpointConnections,
            Settings settings) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.tls = tls;
        this.hostHandler = UpstreamHostHandler.forEndpoint(endpoint);
        this.endpointConnections = endpointConnections;
        this.prototype = settings.prototype();
        this.maxConnections = settings.maxConnections();
        this.maxPending = settings.maxPending();
        this.idleTimeoutMillis = settings.idleTimeoutMillis();
        this.tlsLog = settings.tlsLog();
    }

    final Endpoint endpoint() {
        return endpoint;
    }

    /** Gives {@code lease} a connection now, later, or a failure. Must be called on the pool's loop. */
    public abstract void acquire(Lease lease, long connectTimeoutMillis);

    /** Takes a connection back after a complete exchange. */
    public abstract void release(UpstreamConnection connection);

    /** Leases {@code connection} (or stream) to {@code lease}, which is waiting for it. */
    final void hand(UpstreamConnection connection, Lease lease) {
        connection.lease(lease);
        lease.onAcquired(connection);
    }

    /** Hands a connection (or stream) just opened for {@code lease} over, or back when the exchange gave up meanwhile. */
    final void handNew(UpstreamConnection connection, Lease lease) {
        if (lease.isCancelled()) {
            release(connection);
        } else {
            hand(connection, lease);
        }
    }

    /**
     * Ends the lease on a connection that may hold half an exchange: an HTTP/1.1 connection is
     * closed, an HTTP/2 stream is reset (the shared connection stays).
     */
    abstract void discard(UpstreamConnection connection);

    /** Called by the connection's handler when its channel closed. */
    abstract void onClosed(UpstreamConnection connection);

    /** Closes idle connections and refuses new leases; leased ones close when their exchange ends. */
    final void close() {
        closed = true;
        closeIdleConnections();
        closeWaiters();
        recount();
    }

    /** Closes the connections no exchange uses; the others are to close when their last exchange ends. */
    abstract void closeIdleConnections();

    /** Brings the figures the metrics read ({@link #idleCount}, {@link #streamCount}) up to date; on the loop. */
    abstract void recount();

    /** Open connections without an exchange (HTTP/1.1) or without an active stream (HTTP/2); any thread. */
    abstract int idleCount();

    /** Requests waiting for a connection or stream now; any thread, possibly a moment stale. */
    final int waitingCount() {
        return waitingCount;
    }

    /** What a waiter waits for, in the message of one that waited too long: "connection", "HTTP/2 stream". */
    abstract String waitedFor();

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

    // ---- connecting (on the loop) ---------------------------------------------------------------

    /**
     * A bootstrap for one new connection to the endpoint: the prototype's (loop, transport,
     * options), the connect bounded by {@code connectTimeoutMillis}, {@code initializer} on the channel.
     */
    final Bootstrap bootstrap(long connectTimeoutMillis, ChannelHandler initializer) {
        return prototype.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(initializer);
    }

    /**
     * Whether {@code connect} failed before a socket existed (e.g. out of file descriptors). Then no
     * close will ever free the connection's slot, and Netty completes the future on another
     * thread: {@code settle} runs on the loop with the cause, to give the slot back and fail the lease.
     */
    final boolean failedWithoutSocket(ChannelFuture connect, Consumer<Throwable> settle) {
        if (connect.isDone() && !connect.isSuccess() && !connect.channel().isRegistered()) {
            Throwable cause = connect.cause();
            loop.execute(() -> settle.accept(cause));
            return true;
        }
        return false;
    }

    /** Why a connect that failed with {@code cause} failed, for the lease. */
    static AcquireFailure connectFailure(Throwable cause) {
        return cause instanceof ConnectTimeoutException ? AcquireFailure.CONNECT_TIMEOUT : AcquireFailure.CONNECT_FAILED;
    }

    /**
     * The handler that evicts an idle connection: it fires an {@code IdleStateEvent} after
     * {@code idle-timeout} without reads or writes, and the connection's last handler closes the
     * channel when no exchange is using it.
     */
    final IdleTimeoutHandler idleEviction() {
        return new IdleTimeoutHandler(idleTimeoutMillis);
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

    // ---- the waiting leases (on the loop) -------------------------------------------------------

    /** Leases waiting now, cancelled ones not yet dropped included. */
    final int waiting() {
        return waiters.size();
    }

    /**
     * Queues {@code lease} until a connection frees up or its connect timeout passes; at the front
     * when it already had its turn (a connection it opened has no room for it after all).
     */
    final void enqueue(Lease lease, long connectTimeoutMillis, boolean front) {
        Waiter waiter = new Waiter(lease, connectTimeoutMillis);
        waiter.timeout = loop.schedule(() -> expire(waiter), connectTimeoutMillis, TimeUnit.MILLISECONDS);
        if (front) {
            waiters.addFirst(waiter);
        } else {
            waiters.addLast(waiter);
        }
        waitingCount = waiters.size();
    }

    /** The oldest waiter whose exchange still wants a connection, left queued; cancelled ones before it are dropped. */
    final @Nullable Waiter firstWaiting() {
        Waiter waiter;
        while ((waiter = waiters.peekFirst()) != null && waiter.lease.isCancelled()) {
            waiters.pollFirst().timeout.cancel(false);
        }
        waitingCount = waiters.size();
        return waiter;
    }

    /** Takes the oldest waiter whose exchange still wants a connection out of the queue; {@code null} when none. */
    final @Nullable Waiter takeWaiting() {
        Waiter waiter = firstWaiting();
        if (waiter != null) {
            waiters.pollFirst();
            waiter.timeout.cancel(false);
            waitingCount = waiters.size();
        }
        return waiter;
    }

    /** Fails every waiter: nothing will serve them soon, and each hears why and may go elsewhere. */
    final void failWaiters(AcquireFailure failure, Throwable cause) {
        Waiter waiter;
        while ((waiter = takeWaiting()) != null) {
            waiter.lease.onAcquireFailed(failure, cause);
        }
    }

    /** Refuses new leases from now on and fails the waiting ones. */
    final void closeWaiters() {
        closed = true;
        failWaiters(AcquireFailure.OVERLOADED, new IllegalStateException("pool closed"));
    }

    private void expire(Waiter waiter) {
        boolean waiting = waiters.remove(waiter);
        waitingCount = waiters.size();
        if (waiting && !waiter.lease.isCancelled()) {
            waiter.lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException("no " + waitedFor()
                    + " to " + endpoint + " became free within " + waiter.connectTimeoutMillis + " ms"));
        }
    }

    static final class Waiter {
        final Lease lease;
        final long connectTimeoutMillis;
        /** Set by {@link #enqueue} right after construction. */
        ScheduledFuture<?> timeout;

        private Waiter(Lease lease, long connectTimeoutMillis) {
            this.lease = lease;
            this.connectTimeoutMillis = connectTimeoutMillis;
        }
    }
}
