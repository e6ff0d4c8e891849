package dev.meridian.router.upstream;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Sits on each upstream HTTP/2 stream between {@code Http2StreamFrameToHttpObjectCodec} and
 * {@link UpstreamHandler}, and turns what says "this stream was never processed" into one
 * {@link UpstreamHandler.Refused} event, so that the exchange may repeat even a POST elsewhere:
 *
 * <ul>
 *   <li>{@code RST_STREAM} with {@code REFUSED_STREAM} (RFC 9113 §8.7: the server did no work);
 *   <li>a {@code GOAWAY} whose last stream id is below this stream (§6.8: streams above it were
 *       not processed), which {@code Http2MultiplexHandler} sends to exactly those streams;
 *   <li>a request head that could not be written at all (no stream could be created: the
 *       connection went away, or the peer's stream limit was reached).
 * </ul>
 *
 * It also removes the {@code x-http2-scheme} header the codec adds to the request it encodes:
 * the same request object is written again when the exchange retries or hedges, perhaps to an
 * HTTP/1.1 region.
 */
@Sharable
final class Http2StreamHandler extends ChannelDuplexHandler {

    static final Http2StreamHandler INSTANCE = new Http2StreamHandler();

    private static final String SCHEME_HEADER = HttpConversionUtil.ExtensionHeaderNames.SCHEME.text().toString();

    private Http2StreamHandler() {}

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof HttpRequest)) {
            ctx.write(msg, promise);
            return;
        }
        HttpRequest head = (HttpRequest) msg;
        ChannelPromise written = promise.isVoid() ? ctx.newPromise() : promise;
        written.addListener(f -> {
            if (!f.isSuccess()) {
                // Often fails inside the exchange's own write call: tell it afterwards, not re-entrantly.
                Throwable cause = f.cause();
                ctx.executor().execute(() -> ctx.fireUserEventTriggered(new UpstreamHandler.Refused(cause)));
            }
        });
        try {
            ctx.write(head, written);
        } finally {
            // The codec encoded the head synchronously; what it added must not travel further.
            head.headers().remove(SCHEME_HEADER);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame) {
            Http2GoAwayFrame goAway = (Http2GoAwayFrame) evt;
            String why = "the upstream sent GOAWAY (error " + goAway.errorCode() + ", last stream "
                    + goAway.lastStreamId() + ") before processing this stream";
            goAway.release();
            ctx.fireUserEventTriggered(new UpstreamHandler.Refused(new StreamRefusedException(why)));
            return;
        }
        if (evt instanceof Http2ResetFrame && ((Http2ResetFrame) evt).errorCode() == Http2Error.REFUSED_STREAM.code()) {
            ctx.fireUserEventTriggered(new UpstreamHandler.Refused(
                    new StreamRefusedException("the upstream refused the stream (REFUSED_STREAM)")));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Why a stream was not processed; no stack trace, it is an expected outcome. */
    static final class StreamRefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        StreamRefusedException(String message) {
            super(message, null, false, false);
        }
    }
}
