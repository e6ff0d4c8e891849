package dev.meridian.router.upstream;

import dev.meridian.regions.Endpoint;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import org.jspecify.annotations.Nullable;

/**
 * Sends an endpoint given by host name its configured name as {@code Host} (HTTP/1.1) or
 * {@code :authority} (HTTP/2), whichever of the name's addresses the connection goes to:
 * name-based virtual hosts such as Cloud Run route on it, as on the TLS SNI (RFC 9110 §7.2:
 * {@code Host} names the origin server, here the configured one; RFC 9113 §8.3.1: an HTTP/2
 * request carries it as {@code :authority}). The client's own {@code Host} reaches the gateway as
 * {@code X-Forwarded-Host}. Endpoints given by IP address are not touched; they have no name to
 * send.
 *
 * <p>HTTP/1.1: one request head is written to every attempt of an exchange (retries, hedges),
 * possibly to endpoints of both kinds, so it is not changed for good: {@code Host} is set for the
 * codec after this handler, which serializes it during this very {@code write}, then put back.
 * HTTP/2: the handler sits before the stream codec and sets {@code :authority} on the request's
 * {@code HEADERS} frame, which the codec made for this attempt alone (the codec drops
 * {@code Host}, and sets no {@code :authority} for an origin-form request).
 */
@Sharable
final class UpstreamHostHandler extends ChannelOutboundHandlerAdapter {

    private final String authority;

    private UpstreamHostHandler(String authority) {
        this.authority = authority;
    }

    /** The handler for {@code endpoint}'s connections, or {@code null} when it is given by IP address. */
    static @Nullable UpstreamHostHandler forEndpoint(Endpoint endpoint) {
        return endpoint.named() ? new UpstreamHostHandler(endpoint.authority()) : null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Http2HeadersFrame frame) {
            if (frame.headers().method() != null) { // a request's headers, not its trailers
                frame.headers().authority(authority);
            }
            ctx.write(msg, promise);
            return;
        }
        if (!(msg instanceof HttpRequest request)) {
            ctx.write(msg, promise);
            return;
        }
        HttpHeaders headers = request.headers();
        String original = headers.get(HttpHeaderNames.HOST);
        headers.set(HttpHeaderNames.HOST, authority);
        try {
            ctx.write(msg, promise);
        } finally {
            if (original != null) {
                headers.set(HttpHeaderNames.HOST, original);
            } else {
                headers.remove(HttpHeaderNames.HOST);
            }
        }
    }
}
