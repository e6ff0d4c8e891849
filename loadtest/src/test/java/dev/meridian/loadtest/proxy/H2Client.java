package dev.meridian.loadtest.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal HTTP/2 client with prior knowledge (h2c) for tests that need control over single
 * streams: streams that are not read (their flow-control window is never returned), and frames a
 * well-behaved client would not send.
 */
final class H2Client implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Channel connection;
    private final String authority;

    H2Client(InetSocketAddress address) throws InterruptedException {
        this.authority = "127.0.0.1:" + address.getPort();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1000))
                                .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg); // connection-level frames (SETTINGS acks, GOAWAY)
                            }
                        });
                    }
                });
        this.connection = bootstrap.connect(address).sync().channel();
        // A connection window far larger than a stream's: one unread stream must not stall the others.
        connection.writeAndFlush(new DefaultHttp2WindowUpdateFrame(64 * 1024 * 1024)).sync();
    }

    Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").authority(authority).path(path);
    }

    /** Opens a stream and sends {@code headers} ending the stream; {@code read} false leaves the response unread. */
    Response send(Http2Headers headers, boolean read) throws InterruptedException {
        Response response = new Response();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection).handler(response).open().sync().getNow();
        stream.config().setAutoRead(read);
        response.stream = stream;
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
        return response;
    }

    /** What came back on one stream. */
    static final class Response extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final AtomicLong bodyBytes = new AtomicLong();
        volatile long mismatches;
        volatile Http2StreamChannel stream;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame) {
                    Http2HeadersFrame frame = (Http2HeadersFrame) msg;
                    if (!headers.isDone()) {
                        headers.complete(frame.headers());
                    }
                    if (frame.isEndStream()) {
                        done.complete(bodyBytes.get());
                    }
                } else if (msg instanceof Http2DataFrame) {
                    Http2DataFrame data = (Http2DataFrame) msg;
                    ByteBuf content = data.content();
                    long offset = bodyBytes.get();
                    for (int i = content.readerIndex(); i < content.writerIndex(); i++) {
                        // The simulated gateway's /bytes/N pattern: byte k is (byte) (k * 31 + 7).
                        if (content.getByte(i) != (byte) ((offset + i - content.readerIndex()) * 31 + 7)) {
                            mismatches++;
                        }
                    }
                    bodyBytes.addAndGet(content.readableBytes());
                    if (data.isEndStream()) {
                        done.complete(bodyBytes.get());
                    }
                } else if (msg instanceof Http2ResetFrame) {
                    done.completeExceptionally(new IllegalStateException("stream reset: " + ((Http2ResetFrame) msg).errorCode()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream closed before its end"));
            headers.completeExceptionally(new IllegalStateException("stream closed before headers"));
        }

        /** Starts reading a stream opened with {@code read} false. */
        void startReading() {
            Http2StreamChannel s = stream;
            s.eventLoop().execute(() -> {
                s.config().setAutoRead(true);
                s.read();
            });
        }
    }

    @Override
    public void close() {
        connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
