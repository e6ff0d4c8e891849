package dev.meridian.loadtest.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/** Builds a control connection's pipeline: codec, keep-alive, bounded aggregator, control handler. */
@Sharable
final class ControlChannelInitializer extends ChannelInitializer<Channel> {

    private final ControlHandler control;

    ControlChannelInitializer(ControlHandler control) {
        this.control = control;
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(GatewayPipeline.CONTROL_CODEC, new HttpServerCodec());
        pipeline.addLast(GatewayPipeline.CONTROL_KEEP_ALIVE, new HttpServerKeepAliveHandler());
        pipeline.addLast(GatewayPipeline.CONTROL_AGGREGATOR, new ControlRequestAggregator());
        pipeline.addLast(GatewayPipeline.CONTROL, control);
    }
}
