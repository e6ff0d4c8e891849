package dev.meridian.router.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a TLS listener, sets up the protocol ALPN chose once the handshake is done: HTTP/2 for
 * {@code h2} (when {@code server.http2.enabled}), HTTP/1.1 for {@code http/1.1} and for a client
 * that offered no ALPN (RFC 7301 §3.2 lets the server fall back). It leaves the pipeline afterwards.
 *
 * <p>The client channel runs with auto-read off, so this handler asks for the ClientHello and, on
 * HTTP/1.1, for the first request. A {@link ProxyHandler#DRAIN} that arrives during the handshake
 * is held and passed on once the protocol's handlers are in place, so they close the connection.
 */
final class AlpnProtocolSelector extends ApplicationProtocolNegotiationHandler {

    private static final Logger log = LoggerFactory.getLogger(AlpnProtocolSelector.class);

    /** {@code null} when HTTP/2 is off: every client speaks HTTP/1.1. */
    private final @Nullable ClientHttp2Pipeline http2;
    private final Consumer<ChannelPipeline> http1;
    /** A drain that came during the handshake, passed on once the protocol's handlers are in place. */
    private boolean drainPending;

    /**
     * @param http2 turns the connection into an HTTP/2 one, or {@code null} when HTTP/2 is off
     * @param http1 adds the HTTP/1.1 handlers at the end of the pipeline
     */
    AlpnProtocolSelector(@Nullable ClientHttp2Pipeline http2, Consumer<ChannelPipeline> http1) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.http2 = http2;
        this.http1 = http1;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ProxyHandler.DRAIN) {
            drainPending = true;
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // Auto-read is off: ask for the ClientHello; TLS keeps reading until the handshake is done.
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        ClientHttp2Pipeline h2 = http2;
        if (ApplicationProtocolNames.HTTP_2.equals(protocol) && h2 != null) {
            h2.configure(ctx.pipeline());
        } else {
            http1.accept(ctx.pipeline());
            // Added after the connection became active: ask for the first request here.
            ctx.read();
        }
        if (drainPending) {
            // From here, not from the pipeline's head: this handler is still in the pipeline (it
            // leaves after this method) and would hold the drain again.
            ctx.fireUserEventTriggered(ProxyHandler.DRAIN);
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} TLS handshake failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
