package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Counts accepted and open data connections; stateless, so one instance serves every channel. */
@Sharable
final class ConnectionStatsHandler extends ChannelInboundHandlerAdapter {

    private final GatewayCounters counters;

    ConnectionStatsHandler(GatewayCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counters.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.connectionClosed();
        ctx.fireChannelInactive();
    }
}
