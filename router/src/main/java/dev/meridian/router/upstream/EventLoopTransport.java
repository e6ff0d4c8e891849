package dev.meridian.router.upstream;

import dev.meridian.config.Transport;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O transport: native epoll where it is available, NIO elsewhere.
 *
 * @param name {@code epoll} or {@code nio}, for the start-up log
 */
public record EventLoopTransport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelType,
        Class<? extends SocketChannel> channelType) {

    /**
     * The transport for {@code wanted}: {@code AUTO} takes epoll when it loads and NIO otherwise;
     * {@code EPOLL} fails when epoll is unavailable, with the reason.
     */
    public static EventLoopTransport select(Transport wanted) {
        switch (wanted) {
            case NIO:
                return nio();
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException(
                            "server.transport: epoll is not available here (" + Epoll.unavailabilityCause()
                                    + "); use auto or nio");
                }
                return epoll();
            case AUTO:
            default:
                return Epoll.isAvailable() ? epoll() : nio();
        }
    }

    private static EventLoopTransport epoll() {
        return new EventLoopTransport(
                "epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    private static EventLoopTransport nio() {
        return new EventLoopTransport(
                "nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
