package dev.meridian.router.internal;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the pipeline of each accepted client connection; see {@link RouterPipeline} for the order.
 * Limits come from the configuration in force when the connection is accepted.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {

    private static final int MAX_CHUNK = 16 * 1024;

    private final Supplier<RouterSnapshot> snapshots;
    private final ProxyResources resources;
    private final ChannelGroup clients;

    public ClientChannelInitializer(
            Supplier<RouterSnapshot> snapshots, ProxyResources resources, ChannelGroup clients) {
        this.snapshots = snapshots;
        this.resources = resources;
        this.clients = clients;
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
        addHttpHandlers(p, server);
        p.addLast(RouterPipeline.CLIENT_IDLE,
                new IdleStateHandler(0, 0, server.clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(RouterPipeline.PROXY, new ProxyHandler(snapshots, resources));
    }

    private static void addProxyProtocolHandlers(ChannelPipeline p) {
        p.addLast(RouterPipeline.PROXY_PROTOCOL_DECODER, new HAProxyMessageDecoder());
        p.addLast(RouterPipeline.PROXY_PROTOCOL, new ProxyProtocolHandler());
    }

    private static void addHttpHandlers(ChannelPipeline p, ServerConfig server) {
        p.addLast(RouterPipeline.HTTP_CODEC, new HttpServerCodec(
                decoderConfig(server.maxInitialLineLength(), server.maxHeaderSize())));
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
