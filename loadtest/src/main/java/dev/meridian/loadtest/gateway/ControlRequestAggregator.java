package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Aggregates control requests, whose bodies are a few bytes of JSON, up to {@value #MAX_BODY_BYTES}
 * bytes. Aggregating is right here (unlike on the data path): the control handler needs the whole
 * document to parse it, and the bound keeps it cheap. An oversized request gets the control port's
 * JSON error shape with 413 and the connection is closed, since the rest of its body is unread.
 */
final class ControlRequestAggregator extends HttpObjectAggregator {

    static final int MAX_BODY_BYTES = 64 * 1024;

    ControlRequestAggregator() {
        super(MAX_BODY_BYTES);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse response = JsonResponse.error(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "too_large", "control request bodies are limited to " + MAX_BODY_BYTES + " bytes");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
