package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Sits on a listening channel and tells when its socket is really gone, so {@code down()} can
 * promise "connection refused" the moment it returns.
 *
 * <p>Why the close future is not enough: the JDK closes a selectable channel that is still
 * registered with a selector only when the selector next processes its cancelled keys (see
 * {@code AbstractSelectableChannel#implCloseChannel}); until then the NIO listening socket keeps
 * accepting into its backlog. Netty deregisters after completing the close future, and the event
 * loop selects between task batches, so a zero-delay task scheduled from
 * {@code channelUnregistered} runs after that select, when the socket is closed. With epoll the
 * socket is closed at once and the extra hop is harmless.
 */
final class ListenerReleaseHandler extends ChannelInboundHandlerAdapter {

    private final CompletableFuture<Void> released = new CompletableFuture<>();

    /** Completes once the listening socket no longer accepts connections. */
    CompletableFuture<Void> released() {
        return released;
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
        try {
            ctx.channel().eventLoop().schedule(() -> released.complete(null), 0, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: its selector (and with it the socket) is being closed anyway.
            released.complete(null);
        }
        ctx.fireChannelUnregistered();
    }
}
