package dev.meridian.router.server;

import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.http.GrpcStatus;
import dev.meridian.router.metrics.AccessLog;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import org.jspecify.annotations.Nullable;

/**
 * A request Meridian may answer itself before any upstream sees it (a malformed request, one with
 * no region to go to): what the access log and the error response need to know about it, taken
 * when its head arrived.
 */
record Refusal(long startNanos, String requestId, ClientContext client, String method, String uri) {

    /**
     * Takes what a refusal needs from a request head that arrived at {@code startNanos}
     * ({@link ProxyResources#nanoClock()}); {@code requestId} is the id the response carries in
     * {@code X-Request-ID} (the client's when sane, else a new one), and {@code client} the
     * connection's client, looked up once per request here and used by the proxy stage too.
     */
    static Refusal of(long startNanos, String requestId, ClientContext client, HttpRequest request) {
        return new Refusal(startNanos, requestId, client, request.method().name(), request.uri());
    }

    /**
     * Logs the request and answers it with {@code error} (a gRPC status for a gRPC call) and
     * {@code Connection: close}; the connection closes once the answer is flushed. The caller ends
     * its own part of the request.
     */
    void answer(ChannelHandlerContext ctx, RouterSnapshot snapshot, ProxyResources resources, ErrorResponse error,
            @Nullable String traceId, @Nullable String route, @Nullable String detail, boolean grpc) {
        AccessLog accessLog = resources.accessLog();
        if (accessLog.enabled()) {
            accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), requestId, traceId, client.peer(), method, uri,
                    route, null, null, error.status().code(), 0, -1, resources.nanoClock().getAsLong() - startNanos, 0, null));
        }
        write(ctx, snapshot, error, detail, requestId, grpc, false);
    }

    /**
     * Writes Meridian's own error response (a gRPC status for a gRPC call), counted and logged by
     * {@link RefusalLog}; without {@code keep}, with {@code Connection: close}, closing once flushed.
     */
    static void write(ChannelHandlerContext ctx, RouterSnapshot snapshot, ErrorResponse error, @Nullable String detail,
            String requestId, boolean grpc, boolean keep) {
        snapshot.meters().errorResponse(error);
        RefusalLog.answered(ctx.channel(), requestId, error, detail);
        FullHttpResponse response = grpc ? GrpcStatus.response(error, detail)
                : detail == null ? error.toResponse(ctx.alloc()) : error.toResponse(ctx.alloc(), detail);
        response.headers().set(ForwardingHeaders.X_REQUEST_ID, requestId);
        if (keep) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
