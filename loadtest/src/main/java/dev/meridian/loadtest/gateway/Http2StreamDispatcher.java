package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The first handler of every HTTP/2 stream: on the request's HEADERS it picks the stream's
 * protocol and replaces itself with that protocol's handlers. A {@code content-type} starting with
 * {@code application/grpc} makes it a gRPC call ({@link GrpcStreamHandler}); anything else is a
 * REST request, served by the same handlers as HTTP/1.1 behind {@code Http2StreamFrameToHttpObjectCodec}.
 * A stream opened while the gateway is going down is refused with {@code RST_STREAM(REFUSED_STREAM)}
 * (RFC 9113 §8.7: the client may retry it elsewhere). Per stream.
 */
final class Http2StreamDispatcher extends ChannelInboundHandlerAdapter {


    private final GatewayState state;
    private final BooleanSupplier accepting;
    private final Consumer<ChannelPipeline> restHandlers;

    Http2StreamDispatcher(GatewayState state, BooleanSupplier accepting, Consumer<ChannelPipeline> restHandlers) {
        this.state = state;
        this.accepting = accepting;
        this.restHandlers = restHandlers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2HeadersFrame headers)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!accepting.getAsBoolean()) {
            ReferenceCountUtil.release(msg);
            ServerInitiatedClose.mark(ctx.channel());
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            return;
        }
        CharSequence contentType = headers.headers().get(HttpHeaderNames.CONTENT_TYPE);
        ChannelPipeline pipeline = ctx.pipeline();
        if (contentType != null
                && AsciiString.regionMatches(contentType, true, 0, GrpcStreamHandler.APPLICATION_GRPC, 0,
                        GrpcStreamHandler.APPLICATION_GRPC.length())) {
            pipeline.addLast(GatewayPipeline.GRPC, new GrpcStreamHandler(state));
        } else {
            restHandlers.accept(pipeline);
        }
        pipeline.remove(this);
        ctx.fireChannelRead(msg);
    }
}
