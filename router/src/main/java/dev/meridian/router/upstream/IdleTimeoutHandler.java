package dev.meridian.router.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Fires an all-idle {@link IdleStateEvent} when a connection has neither read nor written for the
 * timeout, as {@code new IdleStateHandler(0, 0, timeout)} does, without a promise per write.
 *
 * <p>Netty's handler learns of a write when it completes, so with writer or all-idle tracking it
 * turns every void promise into a real one with a listener (2.6 % of allocation under load, fix 7
 * in {@code src/docs/performance.md}). This one tracks reader idleness only and restarts that
 * clock whenever a write is made: the event then means "nothing read and no write started for the
 * timeout". The difference, a write counted when it starts rather than when the socket took it,
 * never decides anything: every user of the event closes the connection only when no exchange or
 * stream is using it, and then nothing is being written.
 */
public final class IdleTimeoutHandler extends IdleStateHandler {

    public IdleTimeoutHandler(long timeoutMillis) {
        super(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        resetReadTimeout();
        ctx.write(msg, promise);
    }

    @Override
    protected IdleStateEvent newIdleStateEvent(IdleState state, boolean first) {
        // Reader idleness stands for "all idle" here; say so to the handlers that react to it.
        return first ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT : IdleStateEvent.ALL_IDLE_STATE_EVENT;
    }
}
