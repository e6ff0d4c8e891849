package dev.meridian.router.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/** Counts the reads that pass it towards the socket (put it first in an embedded pipeline). */
final class ReadCounter extends ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void read(ChannelHandlerContext ctx) {
        count++;
        ctx.read();
    }
}
