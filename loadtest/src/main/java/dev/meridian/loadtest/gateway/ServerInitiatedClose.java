package dev.meridian.loadtest.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.util.AttributeKey;

/**
 * Closes data connections on the gateway's own initiative and remembers that it did, so a closed
 * connection with a response still in flight is counted as {@code cancelled} only when the client
 * closed it.
 */
final class ServerInitiatedClose {

    private static final AttributeKey<Boolean> MARK = AttributeKey.valueOf(ServerInitiatedClose.class, "mark");

    private ServerInitiatedClose() {
    }

    /** Marks {@code channel} as closed by the server, without closing it (yet). */
    static void mark(Channel channel) {
        channel.attr(MARK).set(Boolean.TRUE);
    }

    /** A polite close: pending writes are flushed, then FIN. */
    static ChannelFuture close(Channel channel) {
        mark(channel);
        return channel.close();
    }

    /**
     * An abortive close: {@code SO_LINGER} 0 makes the kernel drop unsent data and send RST, which
     * the client sees as "connection reset" (RFC 9293 §3.10.4 ABORT).
     */
    static ChannelFuture reset(Channel channel) {
        mark(channel);
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        return channel.close();
    }

    /**
     * Whether the server closed (or is closing) {@code channel}, or, for an HTTP/2 stream, the
     * connection it belongs to.
     */
    static boolean isMarked(Channel channel) {
        Channel parent = channel.parent();
        return Boolean.TRUE.equals(channel.attr(MARK).get())
                || (parent != null && Boolean.TRUE.equals(parent.attr(MARK).get()));
    }
}
