package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One gRPC call on one HTTP/2 stream (a child channel of {@code Http2MultiplexHandler}), written on
 * raw Netty frames: validates the request headers, splits DATA into length-prefixed messages, hands
 * them to the {@link GrpcCall} of the method, and writes its answers and the trailers
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
 *
 * <p><b>Protocol.</b> A request must be {@code POST} with {@code content-type: application/grpc}
 * (or {@code application/grpc+proto}), {@code te: trailers} and no {@code grpc-encoding} other than
 * {@code identity}; each message is a 5-byte prefix (compressed flag 0, big-endian length) and at
 * most {@value #MAX_MESSAGE_BYTES} bytes. Anything else ends the call with {@code INTERNAL} (or
 * {@code UNIMPLEMENTED} for a compression or method it lacks, {@code RESOURCE_EXHAUSTED} for a
 * message too large). A call that ends before the client half-closed is followed by
 * {@code RST_STREAM(NO_ERROR)}, which RFC 9113 §8.1 provides for a response complete before its
 * request.
 *
 * <p><b>Flow control.</b> The stream's channel runs with auto-read off and this handler asks for
 * more frames only while it is writable and not delaying: a client that does not read its answers
 * stops getting its frames consumed, so HTTP/2 flow control stops it from sending. Memory stays
 * bounded by one read's worth of frames.
 *
 * <p><b>Faults and overrides</b> (read when the headers arrive, like the REST endpoints):
 * <ul>
 *   <li>{@link Fault.Hang}: everything is read and dropped, nothing is ever answered;</li>
 *   <li>{@link Fault.Errors}: {@code Converse} fails with {@code UNAVAILABLE} (trailers-only, with
 *       {@code grpc-retry-pushback-ms} when the fault has a retry-after) at the fault's rate, and
 *       {@code Health/Check} answers {@code NOT_SERVING}, as {@code /monitoring/ready} answers 503;</li>
 *   <li>{@link Fault.Slow} and, for {@code Converse}, the latency model: a delay before the first
 *       message is processed, hence before the first answer;</li>
 *   <li>{@link Fault.ResetMidStream}: {@code Converse} sends that many answers, then
 *       {@code RST_STREAM(INTERNAL_ERROR)};</li>
 *   <li>{@value #FAIL}: a trailers-only answer with that status, e.g. {@code unavailable};</li>
 *   <li>{@value #DELAY_FIRST}: a further delay before the first answer, e.g. {@code 200ms}.</li>
 * </ul>
 * Per stream; counts the call under its method in {@link GatewayStats#requestsByPath()}, and as
 * cancelled when the client resets the stream or closes the connection before the trailers.
 */
final class GrpcStreamHandler extends ChannelInboundHandlerAdapter implements GrpcCall.Responder {

    /** Request metadata: answer with this gRPC status (name or number) instead, before any message. */
    static final String FAIL = "x-sim-fail";
    /** Request metadata: a delay before the first answer. */
    static final String DELAY_FIRST = "x-sim-delay-first";
    /** The largest request message accepted, grpc-java's default. */
    static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** The content type of gRPC requests; {@code application/grpc+...} names a message format. */
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    private static final int PREFIX_BYTES = 5;
    private static final AsciiString APPLICATION_GRPC_PROTO = AsciiString.cached("application/grpc+proto");
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
    private static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");
    private static final AsciiString RETRY_PUSHBACK = AsciiString.cached("grpc-retry-pushback-ms");

    private enum Phase { START, OPEN, HANG, CLOSED }

    private final GatewayState state;
    private Phase phase = Phase.START;
    private @Nullable ChannelHandlerContext context;
    private @Nullable GrpcCall call;
    private @Nullable ByteBuf cumulation;
    private @Nullable CharSequence requestId;
    private @Nullable ScheduledFuture<?> timer;
    private long firstDelayNanos;
    private int resetAfter = -1;
    private int sent;
    private boolean inputEnded;
    private boolean headersSent;
    private boolean trailersWritten;
    private boolean counted;
    private boolean flushNeeded;

    GrpcStreamHandler(GatewayState state) {
        this.state = state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.HANG || phase == Phase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame headers) {
            inputEnded |= headers.isEndStream();
            if (phase == Phase.START) {
                start(ctx, headers.headers());
            }
        } else if (msg instanceof Http2DataFrame data) {
            inputEnded |= data.isEndStream();
            state.counters().bodyBytesReceived(data.content().readableBytes());
            ByteBuf content = data.content();
            cumulation = cumulation == null
                    ? content
                    : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, content);
        } else {
            ReferenceCountUtil.release(msg);
        }
        drain(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushIfNeeded(ctx);
        requestMore(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        requestMore(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted && !trailersWritten && !ServerInitiatedClose.isMarked(ctx.channel())) {
            state.counters().exchangeCancelled();
        }
        trailersWritten = true;
        phase = Phase.CLOSED;
        discard();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    @Override
    public void send(int size, Consumer<ByteBuf> payload) {
        ChannelHandlerContext ctx = ctx();
        if (phase != Phase.OPEN) {
            return;
        }
        if (sent == resetAfter) {
            reset(ctx);
            return;
        }
        sendHeaders(ctx);
        ByteBuf message = ctx.alloc().buffer(PREFIX_BYTES + size);
        message.writeByte(0).writeInt(size);
        payload.accept(message);
        sent++;
        ctx.write(new DefaultHttp2DataFrame(message)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        flushNeeded = true;
    }

    @Override
    public void finish(GrpcStatus status, String message) {
        finish(status, message, null);
    }

    private void start(ChannelHandlerContext ctx, Http2Headers headers) {
        String path = String.valueOf(headers.path());
        GatewayRoute route = switch (path) {
            case ConverseCall.PATH -> GatewayRoute.GRPC_CONVERSE;
            case HealthCheckCall.PATH -> GatewayRoute.GRPC_HEALTH_CHECK;
            default -> GatewayRoute.OTHER;
        };
        state.counters().requestStarted(route);
        counted = true;
        Fault fault = state.fault();
        if (fault instanceof Fault.Hang) {
            // A hung process reads no headers: drain the stream, answer nothing.
            phase = Phase.HANG;
            discard();
            ctx.channel().config().setAutoRead(true);
            return;
        }
        phase = Phase.OPEN;
        requestId = headers.get(GatewayHeadersHandler.REQUEST_ID);
        String problem = protocolProblem(headers);
        if (problem != null) {
            finish(GrpcStatus.INTERNAL, problem);
            return;
        }
        CharSequence encoding = headers.get(GRPC_ENCODING);
        if (encoding != null && !HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(encoding)) {
            finish(GrpcStatus.UNIMPLEMENTED, "grpc-encoding: " + encoding + " (supported: identity)");
            return;
        }
        if (route == GatewayRoute.OTHER) {
            finish(GrpcStatus.UNIMPLEMENTED, "unknown method " + path);
            return;
        }
        CharSequence fail = headers.get(FAIL);
        if (fail != null) {
            GrpcStatus status;
            try {
                status = GrpcStatus.parse(fail.toString());
            } catch (IllegalArgumentException e) {
                finish(GrpcStatus.INVALID_ARGUMENT, FAIL + ": " + e.getMessage());
                return;
            }
            finish(status, "simulated " + status + " (" + FAIL + ")");
            return;
        }
        try {
            firstDelayNanos = firstDelay(headers.get(DELAY_FIRST));
        } catch (IllegalArgumentException e) {
            finish(GrpcStatus.INVALID_ARGUMENT, DELAY_FIRST + ": " + e.getMessage());
            return;
        }
        if (fault instanceof Fault.Slow slow) {
            firstDelayNanos += slow.extra().toNanos();
        }
        if (route == GatewayRoute.GRPC_HEALTH_CHECK) {
            call = new HealthCheckCall(() -> !(state.fault() instanceof Fault.Errors));
            return;
        }
        if (fault instanceof Fault.Errors errors && ThreadLocalRandom.current().nextDouble() < errors.rate()) {
            finish(GrpcStatus.UNAVAILABLE, "inference failed (simulated errors fault, HTTP " + errors.status() + ")",
                    errors.retryAfter());
            return;
        }
        if (fault instanceof Fault.ResetMidStream reset) {
            resetAfter = reset.afterChunks();
        }
        firstDelayNanos += state.latency().sampleNanos(ThreadLocalRandom.current());
        call = new ConverseCall(state.name());
    }

    private static long firstDelay(@Nullable CharSequence value) {
        if (value == null) {
            return 0;
        }
        Duration delay = DurationText.parse(value.toString());
        if (delay.compareTo(SimHeaders.MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "'" + value + "' (expected: at most " + DurationText.format(SimHeaders.MAX_DELAY) + ")");
        }
        return delay.toNanos();
    }

    /** What makes the request headers not a gRPC request, or null when they are one. */
    private static @Nullable String protocolProblem(Http2Headers headers) {
        if (!HttpMethod.POST.asciiName().contentEquals(headers.method())) {
            return ":method: " + headers.method() + " (expected: POST)";
        }
        CharSequence contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null || !(APPLICATION_GRPC.contentEqualsIgnoreCase(contentType)
                || APPLICATION_GRPC_PROTO.contentEqualsIgnoreCase(contentType))) {
            return "content-type: " + contentType + " (expected: application/grpc or application/grpc+proto)";
        }
        CharSequence te = headers.get(HttpHeaderNames.TE);
        if (te == null || !HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(te)) {
            return "te: " + te + " (expected: trailers; a proxy on the way may not support trailers)";
        }
        return null;
    }

    /** Hands every complete message to the call, then the half-close; stops while a delay runs. */
    private void drain(ChannelHandlerContext ctx) {
        GrpcCall current = call;
        while (phase == Phase.OPEN && timer == null && current != null
                && cumulation != null && cumulation.readableBytes() >= PREFIX_BYTES) {
            ByteBuf in = cumulation;
            int flag = in.getUnsignedByte(in.readerIndex());
            long length = in.getUnsignedInt(in.readerIndex() + 1);
            if (flag != 0) {
                finish(flag == 1 ? GrpcStatus.UNIMPLEMENTED : GrpcStatus.INTERNAL, flag == 1
                        ? "compressed message without grpc-encoding (supported: identity)"
                        : "compressed flag " + flag + " (expected: 0)");
                break;
            }
            if (length > MAX_MESSAGE_BYTES) {
                finish(GrpcStatus.RESOURCE_EXHAUSTED, "message of " + length + " bytes (at most " + MAX_MESSAGE_BYTES + ")");
                break;
            }
            if (in.readableBytes() < PREFIX_BYTES + length) {
                break;
            }
            if (firstDelayNanos > 0) {
                timer = ctx.executor().schedule(() -> endDelay(ctx), firstDelayNanos, TimeUnit.NANOSECONDS);
                firstDelayNanos = 0;
                break;
            }
            in.skipBytes(PREFIX_BYTES);
            ByteBuf message = in.readSlice((int) length);
            try {
                current.onMessage(message, this);
            } catch (IllegalArgumentException e) {
                finish(GrpcStatus.INTERNAL, "invalid request message: " + e.getMessage());
            }
        }
        if (phase == Phase.OPEN && timer == null && current != null && inputEnded) {
            if (cumulation != null && cumulation.isReadable()) {
                finish(GrpcStatus.INTERNAL, "stream ended inside a message (" + cumulation.readableBytes() + " bytes)");
            } else {
                current.onHalfClose(this);
            }
        }
        // The cumulation may be a slice of the connection's read buffer, so it is never compacted in
        // place; MERGE_CUMULATOR copies only the unread bytes when it has to grow.
        if (phase != Phase.OPEN || (cumulation != null && !cumulation.isReadable())) {
            releaseCumulation();
        }
    }

    private void endDelay(ChannelHandlerContext ctx) {
        timer = null;
        drain(ctx);
        flushIfNeeded(ctx);
        requestMore(ctx);
    }

    /** Reads on only while the answers can be written: the client's sending is paced by ours. */
    private void requestMore(ChannelHandlerContext ctx) {
        if (phase == Phase.OPEN && timer == null && !inputEnded && ctx.channel().isWritable()) {
            ctx.read();
        }
    }

    private void sendHeaders(ChannelHandlerContext ctx) {
        if (headersSent) {
            return;
        }
        headersSent = true;
        ctx.write(new DefaultHttp2HeadersFrame(responseHeaders())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private Http2Headers responseHeaders() {
        Http2Headers headers = new DefaultHttp2Headers()
                .status(HttpResponseStatus.OK.codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC)
                .set(GRPC_ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                .set(GatewayHeadersHandler.GATEWAY, state.nameHeaderValue());
        if (requestId != null) {
            headers.set(GatewayHeadersHandler.REQUEST_ID, requestId);
        }
        return headers;
    }

    private void finish(GrpcStatus status, String message, @Nullable Duration pushback) {
        ChannelHandlerContext ctx = ctx();
        if (phase != Phase.OPEN) {
            return;
        }
        phase = Phase.CLOSED;
        // Trailers-only when nothing was sent: one HEADERS frame with :status, content-type and the status.
        Http2Headers trailers = headersSent ? new DefaultHttp2Headers() : responseHeaders();
        trailers.set(GRPC_STATUS, status.headerValue());
        if (!message.isEmpty()) {
            trailers.set(GRPC_MESSAGE, dev.meridian.router.http.GrpcStatus.encodeMessage(message));
        }
        if (pushback != null) {
            trailers.set(RETRY_PUSHBACK, Long.toString(pushback.toMillis()));
        }
        headersSent = true;
        trailersWritten = true;
        ctx.write(new DefaultHttp2HeadersFrame(trailers, true)).addListener(written -> {
            if (written.isSuccess()) {
                state.counters().responseCompleted();
            }
        });
        if (!inputEnded) {
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        ctx.flush();
        flushNeeded = false;
    }

    /** The reset-mid-stream fault: the answers so far, then {@code RST_STREAM(INTERNAL_ERROR)}. */
    private void reset(ChannelHandlerContext ctx) {
        phase = Phase.CLOSED;
        ServerInitiatedClose.mark(ctx.channel());
        sendHeaders(ctx);
        ctx.write(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        ctx.flush();
        flushNeeded = false;
    }

    private void flushIfNeeded(ChannelHandlerContext ctx) {
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
    }

    private ChannelHandlerContext ctx() {
        ChannelHandlerContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("not added to a pipeline");
        }
        return ctx;
    }

    private void discard() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        releaseCumulation();
    }

    private void releaseCumulation() {
        ByteBuf buffer = cumulation;
        cumulation = null;
        if (buffer != null) {
            buffer.release();
        }
    }
}
