package dev.meridian.router.server;

import dev.meridian.config.ServerConfig;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.http.MessageFraming;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Request validation, in front of the proxy stage: a request head that did not decode, that two
 * parsers could frame differently ({@link MessageFraming#checkRequest}), whose declared body is over
 * {@code server.max-request-body} (413), or with an {@code Expect} other than {@code 100-continue}
 * (417, RFC 9110 §10.1.1) is answered here with {@code Connection: close} and never reaches the proxy
 * stage; the rest of the connection's input is dropped. {@code Expect: 100-continue} is answered
 * here too, so the upstream gets the body without waiting.
 *
 * <p>A head that passes goes on as an {@link AdmittedRequest} with its request and trace ids; a
 * whole request in one message (an HTTP/2 stream whose HEADERS ended it, an h2c upgrade request)
 * goes on as its head and then its body as the last part. Body parts pass unchanged: a malformed
 * chunk is the proxy stage's to handle, as it may come after the upstream request started.
 *
 * <p>On HTTP/1.1 it sits behind the {@link PipeliningHandler}, so a request is validated when its
 * turn comes and an answer never overtakes the responses owed before it.
 */
final class RequestValidationHandler extends ChannelInboundHandlerAdapter {

    /** Answers a refused request: logs it and writes the error with {@code Connection: close}. */
    @FunctionalInterface
    interface Answer {
        void refuse(ChannelHandlerContext ctx, Refusal refusal, ErrorResponse error, @Nullable String traceId,
                @Nullable String detail);
    }

    private final Supplier<ServerConfig> server;
    private final LongSupplier nanoClock;
    private final Answer answer;
    /** A request was refused: the connection closes and nothing more is passed on. */
    private boolean refused;

    /**
     * Makes the validation stage of each HTTP/1.1 connection or HTTP/2 stream: each reads the limits
     * of the configuration in force per request and answers with {@link Refusal#answer}. The
     * configuration reader and the answer they share are built here, once per listener, not per
     * stream.
     */
    static Supplier<RequestValidationHandler> stages(Supplier<RouterSnapshot> snapshots, ProxyResources resources) {
        Supplier<ServerConfig> server = () -> snapshots.get().config().server();
        LongSupplier nanoClock = resources.nanoClock();
        // Refused before its route is known: never answered as a gRPC call.
        Answer answer = (ctx, refusal, error, traceId, detail) ->
                refusal.answer(ctx, snapshots.get(), resources, error, traceId, null, detail, false);
        return () -> new RequestValidationHandler(server, nanoClock, answer);
    }

    RequestValidationHandler(Supplier<ServerConfig> server, LongSupplier nanoClock, Answer answer) {
        this.server = server;
        this.nanoClock = nanoClock;
        this.answer = answer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpRequest) {
            FullHttpRequest full = (FullHttpRequest) msg;
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            if (admit(ctx, head)) {
                ctx.fireChannelRead(last);
            } else {
                last.release();
            }
        } else if (msg instanceof HttpRequest) {
            admit(ctx, (HttpRequest) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Passes {@code request} on as an {@link AdmittedRequest}, or answers it; whether it went on. */
    private boolean admit(ChannelHandlerContext ctx, HttpRequest request) {
        long startNanos = nanoClock.getAsLong();
        HttpHeaders headers = request.headers();
        String givenId = ForwardingHeaders.clientRequestId(headers);
        String requestId = givenId != null ? givenId : ForwardingHeaders.newRequestId();
        // A request id of Meridian's own is one random draw; a new trace (the client sent none) takes it too.
        String newId = givenId == null ? requestId : null;
        Refusal refusal = Refusal.of(startNanos, requestId, ClientContext.of(ctx.channel()), request);
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            return refuse(ctx, request, refusal, MessageFraming.errorForDecoderFailure(result.cause(), false), null, null);
        }
        String traceId = ForwardingHeaders.traceId(headers, newId);
        ServerConfig limits = server.get();
        // Anything two parsers could read differently is refused before it can reach an upstream.
        MessageFraming.Problem problem = MessageFraming.checkRequest(request, limits.hosts());
        if (problem != null) {
            return refuse(ctx, request, refusal, problem.error(), traceId, problem.detail());
        }
        if (HttpUtil.getContentLength(request, -1L) > limits.maxRequestBody()) {
            return refuse(ctx, request, refusal, ErrorResponse.BODY_TOO_LARGE, traceId, null);
        }
        if (headers.contains(HttpHeaderNames.EXPECT)) {
            if (!HttpUtil.is100ContinueExpected(request)) {
                return refuse(ctx, request, refusal, ErrorResponse.EXPECTATION_FAILED, traceId, null);
            }
            // Answer the expectation here; the upstream gets the body without waiting.
            ctx.writeAndFlush(ErrorResponse.ownResponse(HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                    ctx.voidPromise());
        }
        ctx.fireChannelRead(new AdmittedRequest(request, refusal, traceId));
        return true;
    }

    private boolean refuse(ChannelHandlerContext ctx, HttpRequest request, Refusal refusal, ErrorResponse error,
            @Nullable String traceId, @Nullable String detail) {
        ReferenceCountUtil.release(request);
        refused = true;
        answer.refuse(ctx, refusal, error, traceId, detail);
        PipeliningHandler pipelining = ctx.pipeline().get(PipeliningHandler.class);
        if (pipelining != null) {
            // The connection closes after this answer: nothing the client pipelined goes on.
            pipelining.requestFinished(false);
        }
        return false;
    }
}
