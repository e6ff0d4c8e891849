package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import org.jspecify.annotations.Nullable;

/**
 * Stamps every response with {@code X-Sim-Gateway: <name>} and echoes the request's
 * {@code X-Request-ID}, as the AI gateway does, so a test can tell which replica answered which
 * request. Per channel: it remembers the id of the request being answered.
 */
final class GatewayHeadersHandler extends ChannelDuplexHandler {

    /** {@link SimHeaders#GATEWAY} and {@link SimHeaders#REQUEST_ID}, pre-encoded; the gRPC handler sets them too. */
    static final AsciiString GATEWAY = AsciiString.cached(SimHeaders.GATEWAY);
    static final AsciiString REQUEST_ID = AsciiString.cached(SimHeaders.REQUEST_ID);

    private final AsciiString gatewayName;
    private @Nullable String requestId;

    GatewayHeadersHandler(AsciiString gatewayName) {
        this.gatewayName = gatewayName;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            requestId = request.headers().get(REQUEST_ID);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            response.headers().set(GATEWAY, gatewayName);
            if (requestId != null) {
                response.headers().set(REQUEST_ID, requestId);
            }
        }
        ctx.write(msg, promise);
    }
}
