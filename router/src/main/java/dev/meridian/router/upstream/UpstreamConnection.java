package dev.meridian.router.upstream;

import dev.meridian.regions.Endpoint;
import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

/**
 * What an exchange leases from an {@link UpstreamPool}: a pooled HTTP/1.1 connection used by one
 * exchange at a time, or one HTTP/2 stream (an {@code Http2StreamChannel}) on a shared connection.
 * Either way the exchange writes and reads {@code HttpObject}s on {@link #channel()}.
 */
public final class UpstreamConnection {

    private final UpstreamPool pool;
    private final UpstreamHandler handler;
    private @Nullable Channel channel;

    UpstreamConnection(UpstreamPool pool) {
        this.pool = pool;
        this.handler = new UpstreamHandler(this);
    }

    public UpstreamPool pool() {
        return pool;
    }

    Endpoint endpoint() {
        return pool.endpoint();
    }

    UpstreamHandler handler() {
        return handler;
    }

    public Channel channel() {
        Channel c = channel;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }

    void connected(Channel channel) {
        this.channel = channel;
    }

    boolean isConnected() {
        return channel != null;
    }

    boolean isUsable() {
        Channel c = channel;
        return c != null && c.isActive();
    }

    void lease(UpstreamHandler.Listener listener) {
        handler.attach(listener);
    }

    /** Ends the lease; the caller decides whether the connection returns to the pool or closes. */
    void endLease() {
        handler.detach();
    }

    /**
     * Ends the lease on a connection that may hold half an exchange and can never be reused: an
     * HTTP/1.1 connection closes, an HTTP/2 stream is reset while its connection stays.
     */
    public void discard() {
        pool.discard(this);
    }
}
