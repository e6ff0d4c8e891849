package dev.meridian.loadtest.load;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Times a response as it arrives, piece by piece, without aggregating it: the response head is the
 * first byte, {@link LastHttpContent} the last; content is counted and released at once. One per
 * connection (it reports to that connection), after {@code HttpClientCodec}.
 *
 * <p>Every message is released here exactly once, whatever the branch ({@code finally}); nothing is
 * forwarded, since this is the end of the pipeline.
 */
final class ResponseTimingHandler extends ChannelInboundHandlerAdapter {

    private final LoadConnection connection;

    ResponseTimingHandler(LoadConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
                // Decoded as far as it went, then failed: a malformed response, or the connection
                // closing in the middle of one (the decoder reports that on channelInactive).
                ErrorKind kind = ctx.channel().isActive() ? ErrorKind.PROTOCOL : ErrorKind.RESET;
                connection.failed(ctx.channel(), kind, object.decoderResult().cause());
                return;
            }
            if (msg instanceof HttpResponse response) {
                connection.responseHead(ctx.channel(), response.status().code(), HttpUtil.isKeepAlive(response));
            }
            if (msg instanceof HttpContent content) {
                connection.responseContent(ctx.channel(), content.content().readableBytes());
                if (msg instanceof LastHttpContent) {
                    connection.responseEnd(ctx.channel());
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.closed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(ctx.channel(), ErrorKind.RESET, cause);
    }
}
