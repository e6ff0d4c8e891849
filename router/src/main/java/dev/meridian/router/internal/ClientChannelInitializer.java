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
    private final ClientLimitMeters limitMeters;

    public ClientChannelInitializer(Supplier<RouterSnapshot> snapshots, ProxyResources resources,
            ChannelGroup clients, ClientLimitMeters limitMeters) {
        this.snapshots = snapshots;
        this.resources = resources;
        this.clients = clients;
        this.limitMeters = limitMeters;
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
        RequestTimeoutHandler timeouts = new RequestTimeoutHandler(server.requestHeadTimeout(),
                server.requestBodyTimeout(), limitMeters, error -> snapshots.get().meters().errorResponse(error));
        p.addLast(RouterPipeline.REQUEST_TIMEOUT, timeouts);
        addHttpHandlers(p, server);
        p.addLast(RouterPipeline.CLIENT_IDLE,
                new IdleStateHandler(0, 0, server.clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(RouterPipeline.REQUEST_PROGRESS, timeouts.messageSide());
        p.addLast(RouterPipeline.PROXY, new ProxyHandler(snapshots, resources));
    }

    private static void addProxyProtocolHandlers(ChannelPipeline p) {
        p.addLast(RouterPipeline.PROXY_PROTOCOL_DECODER, new HAProxyMessageDecoder());
        p.addLast(RouterPipeline.PROXY_PROTOCOL, new ProxyProtocolHandler());
    }

    private static void addHttpHandlers(ChannelPipeline p, ServerConfig server) {
        p.addLast(RouterPipeline.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(server.maxInitialLineLength())
                .setMaxHeaderSize(server.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK)));
    }
}
