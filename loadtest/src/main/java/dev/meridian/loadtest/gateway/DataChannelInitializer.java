package dev.meridian.loadtest.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.function.BooleanSupplier;

/**
 * Builds a data connection's pipeline (drawn in {@link GatewayPipeline}) and registers the
 * connection in the gateway's channel group, so {@code down()} can close it.
 */
@Sharable
final class DataChannelInitializer extends ChannelInitializer<Channel> {

    static final int MAX_INITIAL_LINE_LENGTH = 8 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;
    static final int MAX_CHUNK_SIZE = 16 * 1024;

    private final GatewayState state;
    private final ChannelGroup channels;
    private final BooleanSupplier accepting;
    private final ConnectionStatsHandler connectionStats;

    DataChannelInitializer(GatewayState state, ChannelGroup channels, BooleanSupplier accepting) {
        this.state = state;
        this.channels = channels;
        this.accepting = accepting;
        this.connectionStats = new ConnectionStatsHandler(state.counters());
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
        addHttpHandlers(pipeline);
        addGatewayHandlers(pipeline);
    }

    private void addConnectionHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.CONNECTION_STATS, connectionStats);
    }

    private static void addHttpHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
        pipeline.addLast(GatewayPipeline.KEEP_ALIVE, new HttpServerKeepAliveHandler());
    }

    private void addGatewayHandlers(ChannelPipeline pipeline) {
        pipeline.addLast(GatewayPipeline.GATEWAY_HEADERS, new GatewayHeadersHandler(state.nameHeaderValue()));
        pipeline.addLast(GatewayPipeline.MALFORMED_REQUEST, MalformedRequestHandler.INSTANCE);
        pipeline.addLast(GatewayPipeline.EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
        pipeline.addLast(GatewayPipeline.EXCHANGE_TRACKING, new ExchangeTrackingHandler(state.counters()));
        pipeline.addLast(GatewayPipeline.FAULT_INJECTION, new FaultInjectionHandler(state));
        pipeline.addLast(GatewayPipeline.ENDPOINTS, new EndpointHandler(state));
    }
}
