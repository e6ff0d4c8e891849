package dev.meridian.loadtest;

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
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The socket transport the simulated gateways and the load generator run on: native epoll where
 * the platform has it (fewer copies and syscalls, the transport the router prefers too, so a
 * benchmark does not pit an epoll server against an NIO client), NIO elsewhere. Tests run on both.
 */
public enum SocketTransport {
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class, Epoll::isAvailable),
    NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class, () -> true);

    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannelType;
    private final Class<? extends SocketChannel> channelType;
    private final BooleanSupplier available;

    SocketTransport(Supplier<IoHandlerFactory> ioHandlerFactory, Class<? extends ServerChannel> serverChannelType,
            Class<? extends SocketChannel> channelType, BooleanSupplier available) {
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannelType = serverChannelType;
        this.channelType = channelType;
        this.available = available;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    /** The listening socket's channel class. */
    public Class<? extends ServerChannel> serverChannelType() {
        return serverChannelType;
    }

    /** The connecting socket's channel class. */
    public Class<? extends SocketChannel> channelType() {
        return channelType;
    }

    /** Whether the platform has this transport (epoll: Linux with the native library loaded). */
    public boolean isAvailable() {
        return available.getAsBoolean();
    }

    /** Epoll when available, else NIO. */
    public static SocketTransport preferred() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }
}
