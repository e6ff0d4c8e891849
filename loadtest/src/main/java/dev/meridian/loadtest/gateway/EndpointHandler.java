package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's endpoints: consumes each request body as it arrives ({@link RequestBody}) and, when
 * the request is complete, answers it or starts its {@link ResponseStream}.
 *
 * <ul>
 *   <li>{@code POST /v2/code/completions}, {@code POST /v2/completions}: a completion JSON;</li>
 *   <li>{@code POST /v4/code/suggestions}: an SSE stream; {@code POST /v2/chat/agent}: NDJSON;</li>
 *   <li>{@code /echo} (any method): the request's method, target, headers, body size and SHA-256;</li>
 *   <li>{@code GET /bytes/{n}}: {@code n} pattern bytes with backpressure;</li>
 *   <li>{@code GET /monitoring/healthz}, {@code GET /monitoring/ready}: {@code {"status":"ok"}};</li>
 *   <li>anything else: 404, or 405 with {@code Allow} for a known path and the wrong method.</li>
 * </ul>
 * Bodies are limited to 1 MiB except on {@code /echo}: a larger one is answered with 413 as soon as
 * the limit is crossed (RFC 9110 §15.5.14), and the rest of it is read and discarded so the
 * connection stays usable and the client is not reset while it is still sending. Per channel; it
 * consumes (releases) everything it reads.
 */
final class EndpointHandler extends ChannelInboundHandlerAdapter {

    /** The AI gateway rejects request bodies above this size (its JSON payloads stay under ~600 KB). */
    static final int MAX_BODY_BYTES = 1 << 20;

    private static final Logger log = LoggerFactory.getLogger(EndpointHandler.class);
    private static final ByteBuf STATUS_OK = SharedBuffer.of("{\"status\":\"ok\"}");

    private final GatewayState state;
    private @Nullable HttpRequest request;
    private GatewayRoute route = GatewayRoute.OTHER;
    private RequestBody body = RequestBody.limitedTo(0);
    private boolean answered;
    private @Nullable ResponseStream stream;

    EndpointHandler(GatewayState state) {
        this.state = state;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest newRequest) {
                begin(ctx, newRequest);
            }
            if (msg instanceof HttpContent content && request != null && !answered) {
                if (!body.accept(content.content())) {
                    answer(ctx, JsonResponse.detail(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                            "request body larger than " + body.limit() + " bytes"));
                } else if (content instanceof LastHttpContent) {
                    respond(ctx, request);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream != null && ctx.channel().isWritable()) {
            stream.resume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopStream();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopStream();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stopStream();
        if (cause instanceof IOException) {
            log.debug("[{}] connection failed: {}", ctx.channel().id(), cause.toString());
        } else {
            log.warn("[{}] {} failed, closing the connection", ctx.channel().id(), state.name(), cause);
            ServerInitiatedClose.mark(ctx.channel());
        }
        ctx.close();
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest newRequest) {
        stopStream();
        request = newRequest;
        route = GatewayRoute.of(newRequest.uri());
        answered = false;
        body = route == GatewayRoute.ECHO ? RequestBody.digested() : RequestBody.limitedTo(MAX_BODY_BYTES);
        long declared = HttpUtil.getContentLength(newRequest, -1L);
        if (declared > body.limit()) {
            answer(ctx, JsonResponse.detail(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body of " + declared + " bytes is larger than " + body.limit() + " bytes"));
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest req) {
        if (!route.allows(req.method())) {
            FullHttpResponse response = JsonResponse.detail(
                    ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed");
            response.headers().set(HttpHeaderNames.ALLOW, route.allowedMethods());
            answer(ctx, response);
            return;
        }
        try {
            switch (route) {
                case CODE_COMPLETIONS, COMPLETIONS -> answer(ctx,
                        JsonResponse.of(HttpResponseStatus.OK, CompletionBody.write(ctx.alloc(), state.clock())));
                case CODE_SUGGESTIONS -> startEvents(ctx, req, EventFormat.SSE);
                case CHAT_AGENT -> startEvents(ctx, req, EventFormat.NDJSON);
                case ECHO -> answer(ctx, JsonResponse.of(ctx.alloc(), HttpResponseStatus.OK, echo(req)));
                case BYTES -> startStream(new PatternBytesStream(ctx, bytesLength(req.uri()), resetAfter()));
                case HEALTHZ, READY -> answer(ctx, JsonResponse.of(HttpResponseStatus.OK, STATUS_OK.duplicate()));
                case OTHER -> answer(ctx, JsonResponse.detail(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "Not Found"));
            }
        } catch (IllegalArgumentException e) {
            answer(ctx, JsonResponse.detail(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, String.valueOf(e.getMessage())));
        }
    }

    private void startEvents(ChannelHandlerContext ctx, HttpRequest req, EventFormat format) {
        HttpHeaders headers = req.headers();
        int chunks = SimHeaders.integer(
                headers, SimHeaders.CHUNKS, 0, SimHeaders.MAX_CHUNKS, SimHeaders.DEFAULT_CHUNKS);
        Duration interval = SimHeaders.duration(headers, SimHeaders.CHUNK_INTERVAL, SimHeaders.MAX_CHUNK_INTERVAL);
        long intervalNanos = (interval == null ? SimHeaders.DEFAULT_CHUNK_INTERVAL : interval).toNanos();
        startStream(new EventStream(ctx, state, format, chunks, intervalNanos, resetAfter()));
    }

    private void startStream(ResponseStream newStream) {
        answered = true;
        request = null;
        stream = newStream;
        newStream.start();
    }

    private void answer(ChannelHandlerContext ctx, FullHttpResponse response) {
        answered = true;
        request = null;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private void stopStream() {
        if (stream != null) {
            stream.cancel();
            stream = null;
        }
    }

    /** The reset-mid-stream fault's chunk count, read when the response starts; -1 without it. */
    private int resetAfter() {
        return state.fault() instanceof Fault.ResetMidStream reset ? reset.afterChunks() : -1;
    }

    private String echo(HttpRequest req) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : req.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), name -> new ArrayList<>(1))
                    .add(header.getValue());
        }
        StringBuilder json = new StringBuilder(256).append("{\"method\":");
        JsonLineWriter.appendQuoted(json, req.method().name()).append(",\"uri\":");
        JsonLineWriter.appendQuoted(json, req.uri()).append(",\"headers\":{");
        boolean first = true;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            JsonLineWriter.appendQuoted(json, header.getKey()).append(":[");
            List<String> values = header.getValue();
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    json.append(',');
                }
                JsonLineWriter.appendQuoted(json, values.get(i));
            }
            json.append(']');
        }
        json.append("},\"bodyBytes\":").append(body.bytes()).append(",\"bodySha256\":");
        return JsonLineWriter.appendQuoted(json, body.sha256Hex()).append('}').toString();
    }

    private static long bytesLength(String uri) {
        String text = GatewayRoute.pathOf(uri).substring(GatewayRoute.BYTES_PREFIX.length());
        long length;
        try {
            length = Long.parseLong(text);
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < 0 || length > PatternBytesStream.MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "/bytes/{n}: '" + text + "' (expected: 0.." + PatternBytesStream.MAX_LENGTH + ")");
        }
        return length;
    }
}
