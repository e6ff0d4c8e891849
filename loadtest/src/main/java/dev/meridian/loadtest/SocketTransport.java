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

/**
 * The socket transport the simulated gateways and the load generator run on: native epoll where
 * the platform has it (fewer copies and syscalls, the transport the router prefers too, so a
 * benchmark does not pit an epoll server against an NIO client), NIO elsewhere. Tests run on both.
 */
public enum SocketTransport {
    EPOLL {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannelType() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> channelType() {
            return EpollSocketChannel.class;
        }

        @Override
        public boolean isAvailable() {
            return Epoll.isAvailable();
        }
    },
    NIO {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerChannel> serverChannelType() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> channelType() {
            return NioSocketChannel.class;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }
    };

    public abstract IoHandlerFactory ioHandlerFactory();

    /** The listening socket's channel class. */
    public abstract Class<? extends ServerChannel> serverChannelType();

    /** The connecting socket's channel class. */
    public abstract Class<? extends SocketChannel> channelType();

    public abstract boolean isAvailable();

    /** Epoll when available, else NIO. */
    public static SocketTransport preferred() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }
}
