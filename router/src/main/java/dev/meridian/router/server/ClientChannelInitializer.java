package dev.meridian.router.server;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.ServerConfig;
import dev.meridian.router.upstream.IdleTimeoutHandler;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.MessageFraming;
import dev.meridian.router.http.RouterPipeline;
import dev.meridian.router.metrics.ClientLimitMeters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds the pipeline of each accepted client connection; see {@link RouterPipeline} for the order.
 * Limits come from the configuration in force when the connection is accepted.
 *
 * <p>Which protocol a connection speaks is settled first: on a TLS listener by ALPN ({@code h2} or
 * {@code http/1.1}); on a plaintext one by the first bytes (the HTTP/2 connection preface means h2c
 * with prior knowledge) or by an {@code Upgrade: h2c} request; everything else is HTTP/1.1.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {

    private static final int MAX_CHUNK = 16 * 1024;
    /** Largest body of an {@code Upgrade: h2c} request (it is held whole while the protocol switches). */
    private static final int MAX_UPGRADE_BODY = 64 * 1024;

    private final Supplier<RouterSnapshot> snapshots;
    private final ProxyResources resources;
    private final ChannelGroup clients;
    private final ClientLimitMeters limitMeters;
    private final @Nullable ServerTls tls;
    private final Supplier<RequestValidationHandler> validation;

    public ClientChannelInitializer(Supplier<RouterSnapshot> snapshots, ProxyResources resources,
            ChannelGroup clients, ClientLimitMeters limitMeters, @Nullable ServerTls tls) {
        this.snapshots = snapshots;
        this.resources = resources;
        this.clients = clients;
        this.limitMeters = limitMeters;
        this.tls = tls;
        this.validation = RequestValidationHandler.stages(snapshots, resources);
    }

    @Override
    protected void initChannel(Channel ch) {
        MeridianConfig config = snapshots.get().config();
        ServerConfig server = config.server();
        clients.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (config.listen().proxyProtocol()) {
            addProxyProtocolHandlers(p);
        }
        ClientHttp2Pipeline http2 = new ClientHttp2Pipeline(snapshots, resources, validation, server);
        ServerTls serverTls = tls;
        if (serverTls != null) {
            SslHandler handler = serverTls.newHandler(ch.alloc());
            // A client gets as long for its handshake as for a request head (slowloris over TLS).
            handler.setHandshakeTimeoutMillis(server.requestHeadTimeout().toMillis());
            p.addLast(RouterPipeline.TLS, handler);
            p.addLast(RouterPipeline.ALPN, new AlpnProtocolSelector(server.http2().enabled() ? http2 : null,
                    pipeline -> addHttp1Handlers(pipeline, server, newCodec(server), null)));
        } else if (server.http2().enabled()) {
            HttpServerCodec codec = newCodec(server);
            HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec,
                    protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                            ? http2.upgradeCodec()
                            : null,
                    MAX_UPGRADE_BODY, true); // only the first request may upgrade; the handler leaves after it
            RequestTimeoutHandler timeouts = newTimeouts(server);
            p.addLast(RouterPipeline.REQUEST_TIMEOUT, timeouts);
            p.addLast(RouterPipeline.H2C_DETECT,
                    new CleartextHttp2ServerUpgradeHandler(codec, upgrade, http2.priorKnowledgeInitializer()));
            addHttp1Handlers(p, server, null, timeouts);
        } else {
            addHttp1Handlers(p, server, newCodec(server), null);
        }
    }

    private static void addProxyProtocolHandlers(ChannelPipeline p) {
        p.addLast(RouterPipeline.PROXY_PROTOCOL_DECODER, new HAProxyMessageDecoder());
        p.addLast(RouterPipeline.PROXY_PROTOCOL, new ProxyProtocolHandler());
    }

    /**
     * The HTTP/1.1 handlers. {@code codec} is {@code null} when the h2c detector holds one, and then
     * {@code timeouts} is the deadline handler already in front of the detector; otherwise both are
     * added here.
     */
    private void addHttp1Handlers(ChannelPipeline p, ServerConfig server, @Nullable HttpServerCodec codec,
            @Nullable RequestTimeoutHandler timeouts) {
        RequestTimeoutHandler deadlines = timeouts;
        if (deadlines == null) {
            deadlines = newTimeouts(server);
            p.addLast(RouterPipeline.REQUEST_TIMEOUT, deadlines);
        }
        if (codec != null) {
            p.addLast(RouterPipeline.HTTP_CODEC, codec);
        }
        p.addLast(RouterPipeline.CLIENT_IDLE, new IdleTimeoutHandler(server.clientIdleTimeout().toMillis()));
        p.addLast(RouterPipeline.REQUEST_PROGRESS, deadlines.messageSide());
        p.addLast(RouterPipeline.PIPELINING, new PipeliningHandler(server.maxPipelinedRequests()));
        p.addLast(RouterPipeline.REQUEST_VALIDATION, validation.get());
        p.addLast(RouterPipeline.PROXY, new ProxyHandler(snapshots, resources));
    }

    private RequestTimeoutHandler newTimeouts(ServerConfig server) {
        return new RequestTimeoutHandler(server.requestHeadTimeout(), server.requestBodyTimeout(), limitMeters,
                error -> snapshots.get().meters().errorResponse(error));
    }

    private static HttpServerCodec newCodec(ServerConfig server) {
        return new HttpServerCodec(decoderConfig(server.maxInitialLineLength(), server.maxHeaderSize()));
    }

    /**
     * The client-side decoder settings. The strict ones are Netty 4.2's defaults, spelled out
     * because {@link MessageFraming} relies on them: CRLF-only lines, validated names and values,
     * one Content-Length, RFC 9112 Transfer-Encoding rules. What they let through, MessageFraming
     * refuses.
     */
    static HttpDecoderConfig decoderConfig(int maxInitialLineLength, int maxHeaderSize) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxChunkSize(MAX_CHUNK)
                .setStrictLineParsing(true)
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true);
    }
}
