package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers requests the codec could not decode and closes the connection.
 *
 * <p>After a framing error the rest of the byte stream cannot be trusted to hold message boundaries,
 * so the connection must not be reused (RFC 9112 §2.2: a server that receives an invalid request
 * line or headers responds 400 and closes). A too-long request line gets 414 (RFC 9110 §15.5.15),
 * too-large headers 431 (RFC 6585 §5). A body that fails to decode (a bad chunk size) arrives after
 * the response may have started, so that connection is closed without an answer. Stateless and
 * {@code @Sharable}.
 */
@Sharable
final class MalformedRequestHandler extends ChannelInboundHandlerAdapter {

    static final MalformedRequestHandler INSTANCE = new MalformedRequestHandler();

    private MalformedRequestHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object) || object.decoderResult().isSuccess()) {
            ctx.fireChannelRead(msg);
            return;
        }
        DecoderResult result = object.decoderResult();
        ReferenceCountUtil.release(msg);
        if (!ctx.channel().isActive()) {
            // The codec reports a truncated message while the connection closes: the client left.
            return;
        }
        ServerInitiatedClose.mark(ctx.channel());
        if (!(msg instanceof HttpRequest)) {
            ctx.close();
            return;
        }
        Throwable cause = result.cause();
        HttpResponseStatus status = cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException
                        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : HttpResponseStatus.BAD_REQUEST;
        FullHttpResponse response = JsonResponse.detail(ctx.alloc(), status,
                "malformed request: " + (cause == null ? "undecodable" : cause.getMessage()));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
