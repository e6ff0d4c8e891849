package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Aggregates control requests, whose bodies are a few bytes of JSON, up to {@value #MAX_BODY_BYTES}
 * bytes. Aggregating is right here (unlike on the data path): the control handler needs the whole
 * document to parse it, and the bound keeps it cheap. An oversized request gets the control port's
 * JSON error shape with 413; the aggregator then reads and discards the rest of that body, so the
 * connection stays usable. (Closing at once would reset a client still sending, which may then
 * never see the 413.)
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
        ctx.writeAndFlush(response, ctx.voidPromise());
    }
}
