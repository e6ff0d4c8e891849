package dev.meridian.loadtest.load;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The client's socket transport: native epoll where the platform has it (the transport the router
 * itself prefers, so a benchmark does not pit an epoll server against an NIO client), NIO elsewhere.
 */
enum ClientTransport {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends SocketChannel> channelType() {
            return EpollSocketChannel.class;
        }

        @Override
        boolean isAvailable() {
            return Epoll.isAvailable();
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends SocketChannel> channelType() {
            return NioSocketChannel.class;
        }

        @Override
        boolean isAvailable() {
            return true;
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends SocketChannel> channelType();

    abstract boolean isAvailable();

    /** Epoll when available, else NIO. */
    static ClientTransport preferred() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }
}
