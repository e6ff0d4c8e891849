package dev.meridian.loadtest.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds a data connection's pipeline (drawn in {@link GatewayPipeline}) and registers the
 * connection in the gateway's channel group, so {@code down()} can close it.
 *
 * <p>The protocol is chosen per connection: over TLS by ALPN ({@code h2}, else HTTP/1.1), in
 * plaintext by the first bytes ({@link H2cPrefaceSniffer}: the HTTP/2 preface means h2c with prior
 * knowledge, anything else HTTP/1.1). HTTP/1.1 gets the same pipeline as before HTTP/2 existed;
 * each HTTP/2 stream gets either the same REST handlers or a {@link GrpcStreamHandler}.
 */
@Sharable
final class DataChannelInitializer extends ChannelInitializer<Channel> {

    static final int MAX_INITIAL_LINE_LENGTH = 8 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;
    static final int MAX_CHUNK_SIZE = 16 * 1024;
    /** Streams a client may have open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
    static final int MAX_CONCURRENT_STREAMS = 1_000;

    private final GatewayState state;
    private final ChannelGroup channels;
    private final BooleanSupplier accepting;
    private final @Nullable SslContext sslContext;
    private final ConnectionStatsHandler connectionStats;
    private final ChannelInitializer<Http2StreamChannel> streamInitializer;

    DataChannelInitializer(GatewayState state, ChannelGroup channels, BooleanSupplier accepting,
            @Nullable SslContext sslContext) {
        this.state = state;
        this.channels = channels;
        this.accepting = accepting;
        this.sslContext = sslContext;
        this.connectionStats = new ConnectionStatsHandler(state.counters());
        this.streamInitializer = new StreamInitializer();
    }

    @Override
    protected void initChannel(Channel channel) {
        channels.add(channel);
        if (!accepting.getAsBoolean()) {
            // Accepted just as the gateway went down: a dead host would not have taken it.
            ServerInitiatedClose.close(channel);
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        addConnectionHandlers(pipeline);
        addProtocolSelection(pipeline);
    }

    private void addConnectionHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.CONNECTION_STATS, connectionStats);
    }

    private void addProtocolSelection(ChannelPipeline pipeline) {
        if (sslContext == null) {
            pipeline.addLast(GatewayPipeline.H2C_PREFACE, new H2cPrefaceSniffer(this::addHttp1Handlers, this::addHttp2Handlers));
            return;
        }
        pipeline.addLast(GatewayPipeline.TLS, sslContext.newHandler(pipeline.channel().alloc()));
        pipeline.addLast(GatewayPipeline.ALPN, new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    addHttp2Handlers(ctx.pipeline());
                } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                    addHttp1Handlers(ctx.pipeline());
                } else {
                    throw new IllegalStateException("ALPN selected " + protocol + " (offered: h2, http/1.1)");
                }
            }
        });
    }

    private void addHttp1Handlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
        pipeline.addLast(GatewayPipeline.KEEP_ALIVE, new HttpServerKeepAliveHandler());
        addGatewayHandlers(pipeline);
    }

    private void addHttp2Handlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.HTTP2_CODEC, Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(MAX_HEADER_SIZE))
                // down() must end connections at once, like a dead host, not wait for streams to finish.
                .gracefulShutdownTimeoutMillis(0)
                .build());
        pipeline.addLast(GatewayPipeline.HTTP2_MULTIPLEX, new Http2MultiplexHandler(streamInitializer));
    }

    /** A REST request on an HTTP/2 stream: HTTP/1-style objects, then the same handlers as HTTP/1.1. */
    private void addHttp2RestHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.HTTP2_TO_HTTP, new Http2StreamFrameToHttpObjectCodec(true));
        addGatewayHandlers(pipeline);
    }

    private void addGatewayHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.GATEWAY_HEADERS, new GatewayHeadersHandler(state.nameHeaderValue()));
        pipeline.addLast(GatewayPipeline.MALFORMED_REQUEST, MalformedRequestHandler.INSTANCE);
        pipeline.addLast(GatewayPipeline.EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
        pipeline.addLast(GatewayPipeline.EXCHANGE_TRACKING, new ExchangeTrackingHandler(state.counters()));
        pipeline.addLast(GatewayPipeline.FAULT_INJECTION, new FaultInjectionHandler(state));
        pipeline.addLast(GatewayPipeline.ENDPOINTS, new EndpointHandler(state));
    }

    /** Every HTTP/2 stream starts with a dispatcher that picks REST or gRPC from its headers. */
    @Sharable
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        @Override
        protected void initChannel(Http2StreamChannel stream) {
            stream.pipeline().addLast(GatewayPipeline.HTTP2_STREAM_DISPATCH,
                    new Http2StreamDispatcher(state, accepting, DataChannelInitializer.this::addHttp2RestHandlers));
        }
    }
}
