package dev.meridian.router.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.jspecify.annotations.Nullable;

/**
 * A small upstream for the router's tests, on loopback: HTTP/2 (h2c with prior knowledge, or TLS
 * with ALPN h2) or HTTP/1.1 (cleartext or TLS). It answers {@code 200} with a body naming itself,
 * and counts what the tests assert on: accepted connections, requests, streams open at once,
 * and {@code RST_STREAM}s received.
 *
 * <p>Paths with special answers (HTTP/2): {@code /hold} answers only when {@link #releaseHeld()}
 * is called; {@code /gather} holds answers until {@link #gatherTarget} streams are open at once.
 * HTTP/1.1: {@code /delay/MS} answers after MS milliseconds. Every request's {@code Host} and, over
 * TLS, every connection's SNI are recorded.
 * The {@link Mode} makes every request fail the HTTP/2 way instead.
 */
public final class TestUpstream implements AutoCloseable {

    enum Mode {
        ANSWER,
        /** Every stream is refused with {@code RST_STREAM REFUSED_STREAM}. */
        REFUSE_STREAM,
        /** The first request's headers are answered with {@code GOAWAY} (last stream 0), then the connection ends. */
        GOAWAY
    }

    final String name;
    private final EventLoopGroup group;
    private final Channel server;
    private final boolean http2;
    private volatile Mode mode = Mode.ANSWER;
    volatile int gatherTarget = Integer.MAX_VALUE;

    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger closedConnections = new AtomicInteger();
    /** The {@code Host} of every HTTP/1.1 request and the {@code :authority} of every HTTP/2 one, in arrival order. */
    public final List<String> hosts = new CopyOnWriteArrayList<>();
    /** The SNI host name of every TLS connection (none recorded for a handshake without SNI). */
    public final List<String> serverNames = new CopyOnWriteArrayList<>();
    public final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger resetsReceived = new AtomicInteger();
    final AtomicInteger maxOpenStreams = new AtomicInteger();
    final CountDownLatch holdSeen = new CountDownLatch(1);
    private final List<Runnable> held = new CopyOnWriteArrayList<>();

    private TestUpstream(String name, boolean http2, @Nullable X509Bundle certificate) throws Exception {
        this(name, http2, certificate, "127.0.0.1", 0);
    }

    private TestUpstream(String name, boolean http2, @Nullable X509Bundle certificate, String address, int port)
            throws Exception {
        this.name = name;
        this.http2 = http2;
        SslContext ssl = null;
        if (certificate != null) {
            ssl = SslContextBuilder.forServer(certificate.toKeyManagerFactory())
                    .sslProvider(SslProvider.JDK)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            http2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1))
                    .build();
        }
        SslContext tls = ssl;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        if (tls != null) {
                            SslHandler handler = tls.newHandler(ch.alloc());
                            handler.handshakeFuture().addListener(f -> {
                                if (f.isSuccess() && handler.engine().getSession() instanceof ExtendedSSLSession session) {
                                    for (SNIServerName requested : session.getRequestedServerNames()) {
                                        if (requested instanceof SNIHostName host) {
                                            serverNames.add(host.getAsciiName());
                                        }
                                    }
                                }
                            });
                            ch.pipeline().addLast(handler);
                        }
                        if (http2) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                    .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(100))
                                    .build());
                            ch.pipeline().addLast(new Http2Answers());
                        } else {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Http1Answers());
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // failed handshakes are what some tests are about
                            }
                        });
                    }
                })
                .bind(address, port)
                .syncUninterruptibly()
                .channel();
    }

    static TestUpstream h2c(String name) throws Exception {
        return new TestUpstream(name, true, null);
    }

    /** An h2c upstream on {@code address} and {@code port} (see {@link #http1(String, X509Bundle, String, int)}). */
    public static TestUpstream h2c(String name, String address, int port) throws Exception {
        return new TestUpstream(name, true, null, address, port);
    }

    static TestUpstream h2(String name, X509Bundle certificate) throws Exception {
        return new TestUpstream(name, true, certificate);
    }

    public static TestUpstream http1(String name, @Nullable X509Bundle certificate) throws Exception {
        return new TestUpstream(name, false, certificate);
    }

    /**
     * An HTTP/1.1 upstream on {@code address} (any of 127.0.0.0/8 on Linux) and {@code port} (0:
     * any free one), so that several replicas can share one port on different loopback addresses,
     * as the addresses of one DNS name do.
     */
    public static TestUpstream http1(String name, @Nullable X509Bundle certificate, String address, int port)
            throws Exception {
        return new TestUpstream(name, false, certificate, address, port);
    }

    TestUpstream mode(Mode next) {
        this.mode = next;
        return this;
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    String url(boolean tls) {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port();
    }

    /** Answers every {@code /hold} request so far. */
    void releaseHeld() {
        for (Runnable answer : held) {
            answer.run();
        }
        held.clear();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String body(String name, String method, String path, int requestBytes) {
        return name + " " + method + " " + path + " " + requestBytes;
    }

    /** HTTP/2 on the connection itself (no multiplexing): one request per stream, read whole, then answered. */
    private final class Http2Answers extends ChannelInboundHandlerAdapter {
        private final Map<Integer, Http2Headers> heads = new HashMap<>();
        private final Map<Integer, Integer> bodyBytes = new HashMap<>();
        private final List<Runnable> gathered = new ArrayList<>();
        private int open;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame) {
                    Http2HeadersFrame frame = (Http2HeadersFrame) msg;
                    int id = frame.stream().id();
                    if (mode == Mode.REFUSE_STREAM) {
                        requests.incrementAndGet();
                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(frame.stream()));
                        return;
                    }
                    if (mode == Mode.GOAWAY) {
                        requests.incrementAndGet();
                        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                        codec.goAway(ctx.pipeline().context(codec), 0, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                                ctx.newPromise());
                        ctx.flush();
                        return;
                    }
                    open++;
                    maxOpenStreams.accumulateAndGet(open, Math::max);
                    heads.put(id, frame.headers());
                    bodyBytes.put(id, 0);
                    if (frame.isEndStream()) {
                        requestDone(ctx, frame.stream());
                    }
                } else if (msg instanceof Http2DataFrame) {
                    Http2DataFrame frame = (Http2DataFrame) msg;
                    int id = frame.stream().id();
                    bodyBytes.merge(id, frame.content().readableBytes(), Integer::sum);
                    if (frame.isEndStream() && heads.containsKey(id)) {
                        requestDone(ctx, frame.stream());
                    }
                } else if (msg instanceof Http2ResetFrame) {
                    Http2ResetFrame frame = (Http2ResetFrame) msg;
                    resetsReceived.incrementAndGet();
                    if (heads.remove(frame.stream().id()) != null) {
                        open--;
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void requestDone(ChannelHandlerContext ctx, Http2FrameStream stream) {
            requests.incrementAndGet();
            Http2Headers head = heads.get(stream.id());
            hosts.add(String.valueOf(head.authority()));
            String path = head.path().toString();
            Runnable answer = () -> ctx.executor().execute(() -> {
                if (heads.remove(stream.id()) == null) {
                    return; // reset meanwhile
                }
                open--;
                ByteBuf content = Unpooled.copiedBuffer(body(name, head.method().toString(), path,
                        bodyBytes.remove(stream.id())), java.nio.charset.StandardCharsets.UTF_8);
                Http2Headers response = new DefaultHttp2Headers().status("200")
                        .set("x-upstream", name)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                if (path.startsWith("/early-hints")) {
                    // An interim 103 before the response (RFC 8297).
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("103")
                            .set("link", "</style.css>; rel=preload")).stream(stream));
                }
                ctx.write(new DefaultHttp2HeadersFrame(response).stream(stream));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true).stream(stream));
            });
            if (path.startsWith("/hold")) {
                held.add(answer);
                holdSeen.countDown();
            } else if (path.startsWith("/gather")) {
                gathered.add(answer);
                if (gathered.size() >= gatherTarget) {
                    gathered.forEach(Runnable::run);
                    gathered.clear();
                } else {
                    ctx.executor().schedule(() -> {
                        // Never hold forever: the test fails on the counts, not on a hang.
                        gathered.forEach(Runnable::run);
                        gathered.clear();
                    }, 10, TimeUnit.SECONDS);
                }
            } else {
                answer.run();
            }
        }
    }

    private final class Http1Answers extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            FullHttpRequest request = (FullHttpRequest) msg;
            try {
                requests.incrementAndGet();
                hosts.add(String.valueOf(request.headers().get(HttpHeaderNames.HOST)));
                String text = body(name, request.method().name(), request.uri(), request.content().readableBytes());
                long delayMillis = request.uri().startsWith("/delay/") ? Long.parseLong(request.uri().substring(7)) : 0;
                Runnable answer = () -> {
                    ByteBuf content = Unpooled.copiedBuffer(text, java.nio.charset.StandardCharsets.UTF_8);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
                    response.headers().set("x-upstream", name).setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                    ctx.writeAndFlush(response);
                };
                if (delayMillis > 0) {
                    ctx.executor().schedule(answer, delayMillis, TimeUnit.MILLISECONDS);
                } else {
                    answer.run();
                }
            } finally {
                request.release();
            }
        }
    }
}
