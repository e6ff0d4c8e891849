package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Decides, when a request's headers arrive, how the gateway misbehaves for it, and acts it out
 * without blocking the event loop.
 *
 * <ul>
 *   <li><b>Pass</b>: the request goes on to the endpoints, but its end ({@link LastHttpContent}) is
 *       held back for the simulated delay (latency model sample + {@link Fault.Slow} extra +
 *       {@code X-Sim-Delay}), so the endpoint answers that much later. Body chunks before the end
 *       pass at once: a streamed upload is still consumed as it arrives.</li>
 *   <li><b>Hang</b> ({@link Fault.Hang}): the request and its body are read and dropped; nothing is
 *       ever answered.</li>
 *   <li><b>Answer</b> ({@link Fault.Errors} picked for this request, {@code X-Sim-Status}, a bad
 *       override header, or {@code /monitoring/ready} under Errors): the body is drained, then after
 *       the delay a JSON {@code {"detail": ...}} error is sent, with {@code Retry-After} when the
 *       fault has one.</li>
 * </ul>
 * {@code GET /monitoring/healthz} is only affected by Hang, Slow and the per-request overrides: it
 * has no latency model and no error faults, because the real endpoint has no dependencies, but Slow
 * models a slow path to the replica, which delays every exchange, health checks included. Hang wins over every
 * override: a hung process reads no headers. The delay runs on {@code eventLoop().schedule}; a held
 * request end is released if the connection closes first. Per channel.
 */
final class FaultInjectionHandler extends ChannelInboundHandlerAdapter {

    private enum Verdict { PASS, HANG, ANSWER }

    private final GatewayState state;
    private Verdict verdict = Verdict.PASS;
    private long delayNanos;
    private HttpResponseStatus answerStatus = HttpResponseStatus.SERVICE_UNAVAILABLE;
    private String answerDetail = "";
    private @Nullable Duration answerRetryAfter;
    private @Nullable Object heldEnd;
    private @Nullable ScheduledFuture<?> timer;

    FaultInjectionHandler(GatewayState state) {
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            decide(request);
        }
        switch (verdict) {
            case PASS -> {
                if (msg instanceof LastHttpContent && delayNanos > 0) {
                    heldEnd = msg;
                    timer = ctx.executor().schedule(() -> releaseHeldEnd(ctx), delayNanos, TimeUnit.NANOSECONDS);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            case HANG -> ReferenceCountUtil.release(msg);
            case ANSWER -> {
                boolean end = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (end) {
                    if (delayNanos > 0) {
                        timer = ctx.executor().schedule(() -> answer(ctx), delayNanos, TimeUnit.NANOSECONDS);
                    } else {
                        answer(ctx);
                    }
                }
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discardHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discardHeld();
    }

    private void decide(HttpRequest request) {
        GatewayRoute route = GatewayRoute.of(request.uri());
        Fault fault = state.fault();
        answerRetryAfter = null;
        delayNanos = 0;
        if (fault instanceof Fault.Hang) {
            verdict = Verdict.HANG;
            return;
        }
        int forcedStatus;
        try {
            Duration extra = SimHeaders.duration(request.headers(), SimHeaders.DELAY, SimHeaders.MAX_DELAY);
            delayNanos = extra == null ? 0 : extra.toNanos();
            forcedStatus = SimHeaders.integer(request.headers(), SimHeaders.STATUS, 400, 599, 0);
        } catch (IllegalArgumentException e) {
            answer(HttpResponseStatus.BAD_REQUEST, String.valueOf(e.getMessage()), null);
            return;
        }
        if (route != GatewayRoute.HEALTHZ) {
            delayNanos += state.latency().sampleNanos(ThreadLocalRandom.current());
        }
        if (fault instanceof Fault.Slow slow) {
            delayNanos += slow.extra().toNanos();
        }
        if (forcedStatus != 0) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(forcedStatus);
            answer(status, "simulated " + status + " (" + SimHeaders.STATUS + ")", null);
        } else if (fault instanceof Fault.Errors && route == GatewayRoute.READY) {
            answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "model providers unavailable (simulated errors fault)", null);
        } else if (fault instanceof Fault.Errors errors
                && route != GatewayRoute.HEALTHZ
                && ThreadLocalRandom.current().nextDouble() < errors.rate()) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(errors.status());
            answer(status, describe(status), errors.retryAfter());
        } else {
            verdict = Verdict.PASS;
        }
    }

    private void answer(HttpResponseStatus status, String detail, @Nullable Duration retryAfter) {
        verdict = Verdict.ANSWER;
        answerStatus = status;
        answerDetail = detail;
        answerRetryAfter = retryAfter;
    }

    private void answer(ChannelHandlerContext ctx) {
        timer = null;
        FullHttpResponse response = JsonResponse.detail(ctx.alloc(), answerStatus, answerDetail);
        if (answerRetryAfter != null) {
            // RFC 9110 §10.2.3: delay-seconds, a non-negative integer; round up so clients never retry early.
            long seconds = answerRetryAfter.toSeconds() + (answerRetryAfter.toNanosPart() > 0 ? 1 : 0);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds));
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private void releaseHeldEnd(ChannelHandlerContext ctx) {
        timer = null;
        Object end = heldEnd;
        heldEnd = null;
        if (end != null) {
            ctx.fireChannelRead(end);
        }
    }

    private void discardHeld() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        Object end = heldEnd;
        heldEnd = null;
        ReferenceCountUtil.release(end);
    }

    private static String describe(HttpResponseStatus status) {
        return switch (status.code()) {
            case 429 -> "rate limit exceeded (simulated errors fault)";
            case 503 -> "inference failed (simulated errors fault)";
            default -> "simulated " + status + " (errors fault)";
        };
    }
}
