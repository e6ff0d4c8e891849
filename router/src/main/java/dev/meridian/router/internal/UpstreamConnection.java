package dev.meridian.router.internal;

import dev.meridian.regions.Endpoint;
import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

/** One pooled HTTP/1.1 connection to an endpoint, used by one exchange at a time. */
final class UpstreamConnection {

    private final UpstreamPool pool;
    private final UpstreamHandler handler;
    private @Nullable Channel channel;

    UpstreamConnection(UpstreamPool pool) {
        this.pool = pool;
        this.handler = new UpstreamHandler(this);
    }

    UpstreamPool pool() {
        return pool;
    }

    Endpoint endpoint() {
        return pool.endpoint();
    }

    UpstreamHandler handler() {
        return handler;
    }

    Channel channel() {
        Channel c = channel;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }

    void connected(Channel channel) {
        this.channel = channel;
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

    /** Ends the lease and closes: the connection may hold half an exchange and can never be reused. */
    void discard() {
        endLease();
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }
}
