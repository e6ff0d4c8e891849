package dev.meridian.router.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection: hands what the upstream sends to the exchange that
 * leases the connection, and guards the connection while it idles in its pool.
 *
 * <p>An idle pooled connection keeps a read pending so that a close by the upstream is noticed at
 * once; anything it receives while idle is a protocol error, and the connection is closed. On an
 * HTTP/2 stream the handler is the same, one per stream, after {@link Http2StreamHandler}.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);

    /** What an exchange hears from its leased connection. Every callback runs on the connection's loop. */
    interface Listener {
        /** A decoded response part; the listener owns it and must forward or release it. */
        void onUpstreamMessage(Object msg);

        void onUpstreamReadComplete();

        void onUpstreamWritabilityChanged();

        /** The connection closed (after any final decoded message was delivered). */
        void onUpstreamClosed();

        void onUpstreamError(Throwable cause);

        /**
         * The upstream refused the request without processing it (HTTP/2 {@code REFUSED_STREAM},
         * a stream above a {@code GOAWAY}'s last stream id, or a stream that could not be opened):
         * like a refused connect, it is safe to repeat elsewhere whatever the method. The stream
         * closes afterwards; no {@link #onUpstreamClosed()} follows for it once the lease ended.
         */
        void onUpstreamRefused(Throwable cause);
    }

    /** The user event by which {@link Http2StreamHandler} says the upstream refused the stream unprocessed. */
    static final class Refused {
        final Throwable cause;

        Refused(Throwable cause) {
            this.cause = cause;
        }
    }

    private final UpstreamConnection connection;
    private @Nullable Listener listener;

    UpstreamHandler(UpstreamConnection connection) {
        this.connection = connection;
    }

    void attach(Listener listener) {
        this.listener = listener;
    }

    void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Listener current = listener;
        if (current != null) {
            current.onUpstreamMessage(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        log.debug("{} upstream {} sent data on an idle connection; closing it", ctx.channel(), connection.endpoint());
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Listener current = listener;
        if (current != null) {
            current.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Listener current = listener;
        if (current != null) {
            current.onUpstreamWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Listener current = listener;
        listener = null;
        connection.pool().onClosed(connection);
        if (current != null) {
            current.onUpstreamClosed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Refused) {
            Listener current = listener;
            if (current != null) {
                current.onUpstreamRefused(((Refused) evt).cause);
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (listener == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Listener current = listener;
        if (current != null) {
            current.onUpstreamError(cause);
        } else {
            log.debug("{} error on idle upstream connection to {}", ctx.channel(), connection.endpoint(), cause);
        }
        ctx.close();
    }
}
