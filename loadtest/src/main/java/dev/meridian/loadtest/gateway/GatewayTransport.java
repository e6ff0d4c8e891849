package dev.meridian.loadtest.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The socket transport a gateway runs on: native epoll where the platform has it (fewer copies and
 * syscalls, the transport the router uses in production), NIO elsewhere. Tests run on both.
 */
enum GatewayTransport {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannelType() {
            return EpollServerSocketChannel.class;
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
        Class<? extends ServerChannel> serverChannelType() {
            return NioServerSocketChannel.class;
        }

        @Override
        boolean isAvailable() {
            return true;
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> serverChannelType();

    abstract boolean isAvailable();

    /** Epoll when available, else NIO. */
    static GatewayTransport preferred() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }
}
