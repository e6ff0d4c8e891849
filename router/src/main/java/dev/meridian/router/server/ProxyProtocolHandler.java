package dev.meridian.router.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the client's address from a PROXY protocol header (v1 or v2, decoded by Netty's
 * {@code HAProxyMessageDecoder} in front of it) and records it on the channel, then leaves the
 * pipeline. A {@code LOCAL} header (a balancer's own health check) keeps the socket peer.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);

    /** The source address the PROXY header gave, when there was one. */
    static final AttributeKey<InetAddress> SOURCE = AttributeKey.valueOf("meridian.proxyProtocolSource");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HAProxyMessage header = (HAProxyMessage) msg;
        try {
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                InetAddress source = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                if (source != null) {
                    ctx.channel().attr(SOURCE).set(source);
                } else {
                    log.debug("{} PROXY header source is not an address: {}", ctx.channel(), header.sourceAddress());
                }
            }
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
        // The header arrived in the first read; ask for the request that follows it.
        ctx.read();
    }

    /** The PROXY protocol source of {@code channel}, or {@code null}. */
    static @Nullable InetAddress source(Channel channel) {
        return channel.hasAttr(SOURCE) ? channel.attr(SOURCE).get() : null;
    }
}
