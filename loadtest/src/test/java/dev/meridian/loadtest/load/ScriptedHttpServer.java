package dev.meridian.loadtest.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP/1.1 server whose every answer follows a script: for request number {@code n}
 * (counted from 1 over all connections, in arrival order) the script says how long to wait before
 * the response head, which status, and whether to stream the body in chunks. Delays are event-loop
 * timers, never sleeps. One event loop, loopback, port 0.
 */
final class ScriptedHttpServer implements AutoCloseable {

    /** What to answer to request number {@code sequence}, which arrived at {@code arrivalNanos}. */
    @FunctionalInterface
    interface Script {
        Reply reply(long sequence, long arrivalNanos);
    }

    /**
     * @param delay         before the response head
     * @param status        the status code
     * @param chunks        0: a body of "ok" with a content length; otherwise that many chunks
     * @param chunkInterval the pause before each chunk
     */
    record Reply(Duration delay, int status, int chunks, Duration chunkInterval) {
        static Reply now() {
            return new Reply(Duration.ZERO, 200, 0, Duration.ZERO);
        }

        static Reply after(Duration delay) {
            return new Reply(delay, 200, 0, Duration.ZERO);
        }

        static Reply status(int status) {
            return new Reply(Duration.ZERO, status, 0, Duration.ZERO);
        }

        static Reply chunked(int chunks, Duration interval) {
            return new Reply(Duration.ZERO, 200, chunks, interval);
        }
    }

    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicLong requests = new AtomicLong();
    private final Script script;

    private ScriptedHttpServer(Script script) {
        this.script = script;
        // Epoll where available: its timers are precise to microseconds, NIO's to milliseconds.
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("scripted-server", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.server = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new ScriptedHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    static ScriptedHttpServer start(Script script) {
        return new ScriptedHttpServer(script);
    }

    /** A server that answers every request at once. */
    static ScriptedHttpServer fast() {
        return start((sequence, arrival) -> Reply.now());
    }

    /**
     * A script that answers at once (after {@code base}) except that request number {@code trigger}
     * starts a stall: every request arriving in the next {@code stall} is answered only when it ends.
     */
    static Script stallOnce(long trigger, Duration stall, Duration base) {
        AtomicLong stallUntil = new AtomicLong(Long.MIN_VALUE);
        return (sequence, arrival) -> {
            if (sequence == trigger) {
                stallUntil.set(arrival + stall.toNanos());
            }
            long until = stallUntil.get();
            long wait = until == Long.MIN_VALUE ? 0 : Math.max(0, until - arrival);
            return Reply.after(base.plusNanos(wait));
        };
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** Requests received so far. */
    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class ScriptedHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            // The request is answered once it has been read completely; SimpleChannelInboundHandler releases it.
            if (msg instanceof LastHttpContent) {
                long arrival = System.nanoTime();
                Reply reply = script.reply(requests.incrementAndGet(), arrival);
                long delay = reply.delay().toNanos();
                if (delay <= 0) {
                    respond(ctx, reply);
                } else {
                    ctx.executor().schedule(() -> respond(ctx, reply), delay, TimeUnit.NANOSECONDS);
                }
            }
        }

        private void respond(ChannelHandlerContext ctx, Reply reply) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(reply.status());
            if (reply.chunks() == 0) {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
                ctx.writeAndFlush(response);
                return;
            }
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
            ctx.writeAndFlush(head);
            sendChunk(ctx, reply, 1);
        }

        private void sendChunk(ChannelHandlerContext ctx, Reply reply, int index) {
            ctx.executor().schedule(() -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                ctx.writeAndFlush(new DefaultHttpContent(
                        Unpooled.copiedBuffer("data: " + index + "\n\n", StandardCharsets.US_ASCII)));
                if (index < reply.chunks()) {
                    sendChunk(ctx, reply, index + 1);
                } else {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            }, reply.chunkInterval().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
