package dev.meridian.router.server;

import static java.util.Objects.requireNonNull;

import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.RouterPipeline;
import dev.meridian.router.metrics.ClientLimitMeters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow-client deadlines of an HTTP/1 connection (slowloris and slow-body attacks):
 * <ul>
 *   <li>{@code server.request-head-timeout}: a new connection must send its first byte within it,
 *       and every request head must be complete within it of its first byte. A connection that
 *       never sent a byte is closed silently; a late head is answered 408
 *       ({@code request_timeout}) and the connection closed (RFC 9110 §15.5.9).</li>
 *   <li>{@code server.request-body-timeout}: the longest wait for the next bytes of a request body
 *       while the router is asking for them. Answered 408 and closed when no response to the
 *       request started; otherwise just closed.</li>
 * </ul>
 *
 * <p>Two handlers share this state: this one sits in front of the HTTP codec, where it sees the
 * raw bytes (when a head's first byte arrives, when body bytes arrive) and every {@code read()}
 * the router asks for; its {@link #messageSide() message side} sits behind the codec, where it
 * sees decoded request heads and ends, the responses written, and idle events. The body clock
 * runs only between a {@code read()} and the bytes it brings: the data path reads from the client
 * only while the upstream can take more, so a slow upstream stops the clock instead of getting
 * the client a 408. A pipelined head that is late while an earlier response is still being sent
 * is given another full head timeout (a 408 cannot be written in the middle of that response).
 *
 * <p>One scheduled check per connection at most, rescheduled to the current deadline when it
 * fires, so a request costs a few field writes rather than a timer. Counted in
 * {@code meridian_client_timeouts_total{phase}}; {@code phase="idle"} counts the keep-alive
 * connections {@link ProxyHandler} closes on {@code server.client-idle-timeout}.
 */
final class RequestTimeoutHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(RequestTimeoutHandler.class);

    private enum Phase {
        /** A new connection, no byte yet. */
        FIRST_BYTE,
        /** Some bytes of a request head, the head not decoded yet. */
        HEAD,
        /** A head decoded, its body not complete. */
        BODY,
        /** Between requests: the idle timeout's business. */
        BETWEEN
    }

    private final long headTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final ClientLimitMeters meters;
    private final Consumer<ErrorResponse> errorResponses;
    private final MessageSide messageSide = new MessageSide();

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ChannelHandlerContext messageCtx;
    private boolean started;
    /** No more checks: the connection closed, or timed out. */
    private boolean done;
    /** This handler closed the connection for a timeout. */
    private boolean timedOut;
    private Phase phase = Phase.FIRST_BYTE;
    /** When the current phase's clock started. */
    private long sinceNanos;
    /** In {@link Phase#BODY}: a read is outstanding and no byte came since (the router waits for the client). */
    private boolean awaitingBody;

    // Request heads decoded, final response heads written, final responses ended: responses go
    // out in request order, so these tell whether a response is owed and whether the current
    // request's response started.
    private long requestHeads;
    private long responseHeads;
    private long responseEnds;
    private boolean writingInformational;

    private @Nullable ScheduledFuture<?> check;
    private long checkAtNanos;

    /**
     * @param headTimeout {@code server.request-head-timeout}
     * @param bodyTimeout {@code server.request-body-timeout}
     * @param errorResponses counts each 408 sent (in {@code meridian_error_responses_total})
     */
    RequestTimeoutHandler(Duration headTimeout, Duration bodyTimeout, ClientLimitMeters meters,
            Consumer<ErrorResponse> errorResponses) {
        this.headTimeoutNanos = headTimeout.toNanos();
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
        this.meters = requireNonNull(meters, "meters");
        this.errorResponses = requireNonNull(errorResponses, "errorResponses");
    }

    /** The handler to add behind the HTTP codec. */
    ChannelDuplexHandler messageSide() {
        return messageSide;
    }

    /** Removes both handlers, for a connection that stops speaking HTTP/1 (an upgrade to h2c). */
    static void removeFrom(ChannelPipeline pipeline) {
        if (pipeline.get(RouterPipeline.REQUEST_PROGRESS) != null) {
            pipeline.remove(RouterPipeline.REQUEST_PROGRESS);
        }
        if (pipeline.get(RouterPipeline.REQUEST_TIMEOUT) != null) {
            pipeline.remove(RouterPipeline.REQUEST_TIMEOUT);
        }
    }

    // ---- the byte side, in front of the codec -------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
            onBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (phase == Phase.BODY && !awaitingBody && !done) {
            awaitingBody = true;
            sinceNanos = now();
            arm(sinceNanos + bodyTimeoutNanos);
        }
        ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        phase = Phase.FIRST_BYTE;
        sinceNanos = now();
        arm(sinceNanos + headTimeoutNanos);
    }

    private void onBytes() {
        switch (phase) {
            case FIRST_BYTE:
                // The whole head gets its own full timeout from its first byte; the check already
                // scheduled fires earlier and moves itself to the new deadline.
                phase = Phase.HEAD;
                sinceNanos = now();
                break;
            case BETWEEN:
                phase = Phase.HEAD;
                sinceNanos = now();
                arm(sinceNanos + headTimeoutNanos);
                break;
            case BODY:
                awaitingBody = false;
                break;
            case HEAD:
                break;
        }
    }

    // ---- the message side, behind the codec ---------------------------------------------------

    private void onRequestHead() {
        requestHeads++;
        phase = Phase.BODY;
        awaitingBody = false;
    }

    private void onRequestEnd() {
        phase = Phase.BETWEEN;
        awaitingBody = false;
    }

    private void onWrite(Object msg) {
        if (msg instanceof HttpResponse) {
            writingInformational = ((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (!writingInformational) {
                responseHeads++;
            }
        }
        if (msg instanceof LastHttpContent && !writingInformational) {
            responseEnds++;
        }
    }

    // ---- the clock ----------------------------------------------------------------------------

    private long now() {
        ChannelHandlerContext c = requireNonNull(ctx, "ctx");
        return c.executor().ticker().nanoTime();
    }

    /** Makes sure a check runs no later than {@code deadlineNanos}. */
    private void arm(long deadlineNanos) {
        ScheduledFuture<?> pending = check;
        if (pending != null) {
            if (checkAtNanos - deadlineNanos <= 0) {
                return;
            }
            pending.cancel(false);
        }
        schedule(deadlineNanos);
    }

    private void schedule(long atNanos) {
        ChannelHandlerContext c = requireNonNull(ctx, "ctx");
        checkAtNanos = atNanos;
        check = c.executor().schedule(this::onCheck, Math.max(0, atNanos - now()), TimeUnit.NANOSECONDS);
    }

    private void stop() {
        done = true;
        ScheduledFuture<?> pending = check;
        check = null;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    private void onCheck() {
        check = null;
        ChannelHandlerContext c = ctx;
        if (done || c == null || !c.channel().isActive()) {
            return;
        }
        long deadline;
        switch (phase) {
            case FIRST_BYTE:
            case HEAD:
                deadline = sinceNanos + headTimeoutNanos;
                break;
            case BODY:
                if (!awaitingBody) {
                    return;
                }
                deadline = sinceNanos + bodyTimeoutNanos;
                break;
            default:
                return;
        }
        long now = now();
        if (now - deadline < 0) {
            schedule(deadline);
            return;
        }
        expire(c, now);
    }

    private void expire(ChannelHandlerContext c, long now) {
        switch (phase) {
            case FIRST_BYTE:
                done = true;
                timedOut = true;
                meters.timedOut(ClientLimitMeters.Phase.HEAD);
                log.debug("{} sent nothing within the request head timeout; closing", c.channel());
                c.close();
                return;
            case HEAD:
                if (responseEnds < requestHeads) {
                    // An earlier request's response is still going out: nothing can be said now.
                    sinceNanos = now;
                    schedule(now + headTimeoutNanos);
                    return;
                }
                done = true;
                timedOut = true;
                meters.timedOut(ClientLimitMeters.Phase.HEAD);
                log.debug("{} request head not complete within the request head timeout; closing", c.channel());
                answerAndClose();
                return;
            case BODY:
                done = true;
                timedOut = true;
                meters.timedOut(ClientLimitMeters.Phase.BODY);
                log.debug("{} no request body bytes within the request body timeout; closing", c.channel());
                if (responseHeads >= requestHeads) {
                    // The response already started: the status cannot change any more.
                    c.close();
                } else {
                    answerAndClose();
                }
                return;
            default:
                break;
        }
    }

    /** 408 with Meridian's JSON error body, then close (the request's framing is unfinished). */
    private void answerAndClose() {
        ChannelHandlerContext m = messageCtx;
        if (m == null) {
            requireNonNull(ctx, "ctx").close();
            return;
        }
        errorResponses.accept(ErrorResponse.REQUEST_TIMEOUT);
        FullHttpResponse response = ErrorResponse.REQUEST_TIMEOUT.toResponse(m.alloc());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        m.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** The half behind the HTTP codec: decoded requests in, responses out, idle events. */
    private final class MessageSide extends ChannelDuplexHandler {

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            messageCtx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (timedOut) {
                // What the codec makes of the rest at the close (a head cut short): answered already.
                ReferenceCountUtil.release(msg);
                return;
            }
            // Before passing it on: the proxy handler asks for the next read while handling it.
            if (msg instanceof HttpRequest) {
                onRequestHead();
            }
            if (msg instanceof LastHttpContent) {
                onRequestEnd();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            onWrite(msg);
            ctx.write(msg, promise);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ctx.fireUserEventTriggered(evt);
            // The proxy handler closes an idle connection only when no request is in flight; a
            // close is synchronous on the event loop, so it shows here.
            if (evt instanceof IdleStateEvent && !ctx.channel().isOpen() && !done) {
                done = true;
                meters.timedOut(ClientLimitMeters.Phase.IDLE);
            }
        }
    }
}
