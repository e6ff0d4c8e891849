package dev.meridian.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
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
import io.netty.handler.codec.http.HttpUtil;
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
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * A small upstream for tests, on loopback: HTTP/2 (h2c with prior knowledge, or TLS with ALPN
 * {@code h2}), HTTP/1.1 (cleartext or TLS), or TLS offering both by ALPN ({@link #alpn}). It
 * answers {@link #status(int)} (200 by default) with a body naming itself ({@code "NAME METHOD
 * PATH BODY-BYTES"}) and an {@code x-upstream: NAME} header, answers the gRPC health service
 * ({@value #GRPC_HEALTH_CHECK}) with {@link #grpc(GrpcAnswer)}, and records what tests assert on:
 * every request ({@link #received()}), accepted and closed connections, each request's
 * {@code Host}/{@code :authority}, each TLS connection's SNI, streams open at once and
 * {@code RST_STREAM}s received.
 *
 * <p>Paths with special answers (HTTP/2): {@code /hold} answers only when {@link #releaseHeld()}
 * is called; {@code /gather} holds answers until {@link #gather(int)} streams are open at once;
 * {@code /early-hints} sends a {@code 103} first. HTTP/1.1: {@code /delay/MS} answers after MS
 * milliseconds. The {@link Mode} makes every HTTP/2 request fail the HTTP/2 way instead.
 *
 * <p>Faults a gateway replica shows its prober or router (HTTP/1.1): a {@link #script} of statuses,
 * a failure every n-th request ({@link #failEvery}), a {@link #delay} before every answer, or
 * answers held until released ({@link #hang}).
 *
 * <pre>{@code
 * try (TestUpstream upstream = TestUpstream.h2c("east")) {
 *     String endpoint = upstream.url(false);   // http://127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class TestUpstream implements AutoCloseable {

    /** The gRPC health service's Check method (grpc.health.v1). */
    public static final String GRPC_HEALTH_CHECK = "/grpc.health.v1.Health/Check";

    /** How HTTP/2 requests are answered. */
    public enum Mode {
        ANSWER,
        /** Every stream is refused with {@code RST_STREAM REFUSED_STREAM}. */
        REFUSE_STREAM,
        /** The first request's headers are answered with {@code GOAWAY} (last stream 0), then the connection ends. */
        GOAWAY
    }

    /** What the gRPC health service answers. */
    public enum GrpcAnswer {
        SERVING, NOT_SERVING, SERVICE_UNKNOWN,
        /** Trailers-only: {@code grpc-status: 12}, no message (a server without the health service). */
        UNIMPLEMENTED,
        /** grpc-status 0, but a message that is not a HealthCheckResponse (a truncated varint). */
        MALFORMED
    }

    /**
     * One request as it arrived.
     *
     * @param protocol {@code h2} or {@code http/1.1}
     * @param authority {@code :authority} (HTTP/2) or {@code Host}
     * @param sni the server name the client sent in TLS, or {@code ""}
     * @param body the request body's bytes
     * @param answer what the gRPC health service answered (or would have)
     * @param observed what the {@link #observe} supplier said when the request arrived
     * @param arrivedNanos {@link System#nanoTime()} when the request had arrived whole
     */
    public record Request(String protocol, String method, String path, String authority, String contentType, String te,
                          String sni, byte[] body, GrpcAnswer answer, boolean observed, long arrivedNanos) {}

    private final String name;
    private final EventLoopGroup group;
    private final Channel server;
    private volatile Mode mode = Mode.ANSWER;
    private volatile int status = 200;
    private volatile GrpcAnswer grpc = GrpcAnswer.SERVING;
    private volatile BooleanSupplier observer = () -> true;
    private volatile int gatherTarget = Integer.MAX_VALUE;
    private final Queue<Integer> script = new ConcurrentLinkedQueue<>();
    private volatile int failEvery;
    private volatile int failStatus = 503;
    private volatile long delayMillis;
    private volatile boolean hang;

    /** Connections accepted. */
    public final AtomicInteger connections = new AtomicInteger();
    /** Connections closed (by either side). */
    public final AtomicInteger closedConnections = new AtomicInteger();
    /** The {@code Host} of every HTTP/1.1 request and the {@code :authority} of every HTTP/2 one, in arrival order. */
    public final List<String> hosts = new CopyOnWriteArrayList<>();
    /** The SNI host name of every TLS connection (none recorded for a handshake without SNI). */
    public final List<String> serverNames = new CopyOnWriteArrayList<>();
    /** Requests received, refused ones ({@link Mode}) included. */
    public final AtomicInteger requests = new AtomicInteger();
    /** {@code RST_STREAM}s received from the client. */
    public final AtomicInteger resetsReceived = new AtomicInteger();
    /** The most HTTP/2 streams open at once on one connection. */
    public final AtomicInteger maxOpenStreams = new AtomicInteger();
    /** Counted down when the first {@code /hold} request arrives. */
    public final CountDownLatch holdSeen = new CountDownLatch(1);
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

    private TestUpstream(String name, List<String> protocols, @Nullable X509Bundle certificate, String address, int port)
            throws Exception {
        this.name = name;
        SslContext tls = certificate == null ? null : serverContext(certificate, protocols);
        boolean http2 = protocols.get(0).equals(ApplicationProtocolNames.HTTP_2);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        if (tls == null) {
                            addProtocol(ch.pipeline(), http2, "");
                        } else {
                            addTls(ch, tls, protocols.get(0));
                        }
                    }
                })
                .bind(address, port)
                .syncUninterruptibly()
                .channel();
    }

    /** Cleartext HTTP/2 with prior knowledge. */
    public static TestUpstream h2c(String name) throws Exception {
        return h2c(name, "127.0.0.1", 0);
    }

    /** An h2c upstream on {@code address} and {@code port} (see {@link #http1(String, X509Bundle, String, int)}). */
    public static TestUpstream h2c(String name, String address, int port) throws Exception {
        return new TestUpstream(name, List.of(ApplicationProtocolNames.HTTP_2), null, address, port);
    }

    /** HTTP/2 over TLS with {@code certificate}, ALPN {@code h2} only. */
    public static TestUpstream h2(String name, X509Bundle certificate) throws Exception {
        return new TestUpstream(name, List.of(ApplicationProtocolNames.HTTP_2), certificate, "127.0.0.1", 0);
    }

    /** HTTP/1.1, over TLS with {@code certificate} when there is one. */
    public static TestUpstream http1(String name, @Nullable X509Bundle certificate) throws Exception {
        return http1(name, certificate, "127.0.0.1", 0);
    }

    /**
     * An HTTP/1.1 upstream on {@code address} (any of 127.0.0.0/8 on Linux) and {@code port} (0:
     * any free one), so that several replicas can share one port on different loopback addresses,
     * as the addresses of one DNS name do.
     */
    public static TestUpstream http1(String name, @Nullable X509Bundle certificate, String address, int port)
            throws Exception {
        return new TestUpstream(name, List.of(ApplicationProtocolNames.HTTP_1_1), certificate, address, port);
    }

    /** TLS with {@code certificate} offering {@code h2} and {@code http/1.1} by ALPN: the client picks. */
    public static TestUpstream alpn(String name, X509Bundle certificate) throws Exception {
        return new TestUpstream(name, List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1),
                certificate, "127.0.0.1", 0);
    }

    /** How HTTP/2 requests are answered from now on. */
    public TestUpstream mode(Mode next) {
        this.mode = next;
        return this;
    }

    /** The status of every answer from now on (gRPC health checks excepted). */
    public TestUpstream status(int next) {
        this.status = next;
        return this;
    }

    /** Answers the next requests with these statuses, in order, then as before. */
    public TestUpstream script(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    /**
     * From now on every {@code n}-th request (counted since the start, as {@link #requests} counts)
     * is answered {@code failure} instead; {@code n} = 0 stops it. {@code failEvery(5, 503)}: a
     * gateway whose inference fails 20 % of the time.
     */
    public TestUpstream failEvery(int n, int failure) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: 0 or more)");
        }
        this.failStatus = failure;
        this.failEvery = n;
        return this;
    }

    /** Every HTTP/1.1 answer from now on waits {@code delay} first ({@code /delay/MS} paths wait MS instead). */
    public TestUpstream delay(Duration delay) {
        this.delayMillis = delay.toMillis();
        return this;
    }

    /** From now on HTTP/1.1 requests are accepted and their answers held, until {@link #releaseHeld()}. */
    public TestUpstream hang() {
        this.hang = true;
        return this;
    }

    /** What the gRPC health service answers from now on. */
    public TestUpstream grpc(GrpcAnswer answer) {
        this.grpc = answer;
        return this;
    }

    /** Evaluated when each request arrives; the result is recorded with it ({@link Request#observed()}). */
    public TestUpstream observe(BooleanSupplier next) {
        this.observer = next;
        return this;
    }

    /** {@code /gather} requests are answered together once {@code streams} of them are open (at most 10 s later). */
    public TestUpstream gather(int streams) {
        this.gatherTarget = streams;
        return this;
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code http(s)://127.0.0.1:PORT}. */
    public String url(boolean tls) {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port();
    }

    /** {@code scheme://127.0.0.1:PORT}. */
    public URI uri(String scheme) {
        return URI.create(scheme + "://127.0.0.1:" + port());
    }

    /** Every answered request so far, in arrival order. */
    public List<Request> received() {
        return List.copyOf(received);
    }

    /** Answers every {@code /hold} request so far (and every request held by {@link #hang()}, which ends). */
    public void releaseHeld() {
        hang = false;
        // Taken one by one: an answer held while this runs is answered too, never cleared unanswered.
        for (Runnable answer = held.poll(); answer != null; answer = held.poll()) {
            answer.run();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static SslContext serverContext(X509Bundle certificate, List<String> protocols) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forServer(certificate.toKeyManagerFactory())
                .sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        protocols));
        if (protocols.contains(ApplicationProtocolNames.HTTP_2)) {
            builder.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
        }
        return builder.build();
    }

    /** TLS, then the protocol ALPN chose ({@code fallback} for a client that offered none). */
    private void addTls(SocketChannel ch, SslContext context, String fallback) {
        SslHandler tls = context.newHandler(ch.alloc());
        ch.pipeline().addLast(tls, new ApplicationProtocolNegotiationHandler(fallback) {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                    ctx.close(); // the client refused our certificate: failed handshakes are what some tests are about
                    return;
                }
                super.userEventTriggered(ctx, evt);
            }

            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                String sni = sni(tls.engine().getSession());
                if (!sni.isEmpty()) {
                    serverNames.add(sni);
                }
                addProtocol(ctx.pipeline(), ApplicationProtocolNames.HTTP_2.equals(protocol), sni);
            }

            @Override
            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
    }

    private void addProtocol(ChannelPipeline pipeline, boolean http2, String sni) {
        if (http2) {
            pipeline.addLast(Http2FrameCodecBuilder.forServer()
                    .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(100))
                    .build());
            pipeline.addLast(new Http2Answers(sni));
        } else {
            pipeline.addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Http1Answers(sni));
        }
        pipeline.addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // broken clients are what some tests are about
            }
        });
    }

    private static String sni(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName requested : extended.getRequestedServerNames()) {
                if (requested instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return "";
    }

    /** The status of request number {@code n} (from 1): the script's next, a failure every n-th, or the status. */
    private int statusOf(int n) {
        Integer scripted = script.poll();
        if (scripted != null) {
            return scripted;
        }
        int every = failEvery;
        return every > 0 && n % every == 0 ? failStatus : status;
    }

    private static String body(String name, String method, String path, int requestBytes) {
        return name + " " + method + " " + path + " " + requestBytes;
    }

    /** The HealthCheckResponse message for {@code answer}, in its 5-byte gRPC frame. */
    private static ByteBuf grpcMessage(GrpcAnswer answer) {
        byte[] message = switch (answer) {
            case SERVING -> new byte[] {0x08, 1};
            case NOT_SERVING -> new byte[] {0x08, 2};
            case SERVICE_UNKNOWN -> new byte[] {0x08, 3};
            // an unknown field first (field 2, varint 7), as a newer server might send; then a cut varint
            case MALFORMED -> new byte[] {0x10, 7, 0x08, (byte) 0x81};
            case UNIMPLEMENTED -> throw new IllegalArgumentException("trailers-only");
        };
        ByteBuf buf = Unpooled.buffer(5 + message.length);
        buf.writeByte(0).writeInt(message.length).writeBytes(message);
        return buf;
    }

    /** One HTTP/2 request being read. */
    private static final class Stream {
        final Http2Headers head;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Stream(Http2Headers head) {
            this.head = head;
        }
    }

    /** HTTP/2 on the connection itself (no multiplexing): one request per stream, read whole, then answered. */
    private final class Http2Answers extends ChannelInboundHandlerAdapter {
        private final String sni;
        private final Map<Integer, Stream> streams = new HashMap<>();
        private final List<Runnable> gathered = new ArrayList<>();
        private int open;

        Http2Answers(String sni) {
            this.sni = sni;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame frame) {
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
                    if (streams.containsKey(frame.stream().id())) {
                        // trailers: the request ends here
                        if (frame.isEndStream()) {
                            requestDone(ctx, frame.stream());
                        }
                        return;
                    }
                    open++;
                    maxOpenStreams.accumulateAndGet(open, Math::max);
                    streams.put(frame.stream().id(), new Stream(frame.headers()));
                    if (frame.isEndStream()) {
                        requestDone(ctx, frame.stream());
                    }
                } else if (msg instanceof Http2DataFrame frame) {
                    Stream stream = streams.get(frame.stream().id());
                    if (stream != null) {
                        ByteBuf content = frame.content();
                        content.getBytes(content.readerIndex(), stream.body, content.readableBytes());
                        if (frame.isEndStream()) {
                            requestDone(ctx, frame.stream());
                        }
                    }
                } else if (msg instanceof Http2ResetFrame frame) {
                    resetsReceived.incrementAndGet();
                    if (streams.remove(frame.stream().id()) != null) {
                        open--;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void requestDone(ChannelHandlerContext ctx, Http2FrameStream frameStream) {
            int answerStatus = statusOf(requests.incrementAndGet());
            Stream stream = streams.get(frameStream.id());
            Http2Headers head = stream.head;
            String path = String.valueOf(head.path());
            byte[] body = stream.body.toByteArray();
            GrpcAnswer answer = grpc;
            hosts.add(String.valueOf(head.authority()));
            received.add(new Request(ApplicationProtocolNames.HTTP_2, String.valueOf(head.method()), path,
                    String.valueOf(head.authority()), String.valueOf(head.get(HttpHeaderNames.CONTENT_TYPE)),
                    String.valueOf(head.get(HttpHeaderNames.TE)), sni, body, answer, observer.getAsBoolean(), System.nanoTime()));
            Runnable respond = () -> ctx.executor().execute(() -> {
                if (streams.remove(frameStream.id()) == null) {
                    return; // reset meanwhile
                }
                open--;
                if (GRPC_HEALTH_CHECK.equals(path)) {
                    answerGrpc(ctx, frameStream, answer);
                    return;
                }
                ByteBuf content = Unpooled.copiedBuffer(body(name, String.valueOf(head.method()), path, body.length),
                        StandardCharsets.UTF_8);
                Http2Headers response = new DefaultHttp2Headers().status(String.valueOf(answerStatus))
                        .set("x-upstream", name)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                if (path.startsWith("/early-hints")) {
                    // An interim 103 before the response (RFC 8297).
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("103")
                            .set("link", "</style.css>; rel=preload")).stream(frameStream));
                }
                ctx.write(new DefaultHttp2HeadersFrame(response).stream(frameStream));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true).stream(frameStream));
            });
            if (path.startsWith("/hold")) {
                held.add(respond);
                holdSeen.countDown();
            } else if (path.startsWith("/gather")) {
                gathered.add(respond);
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
                respond.run();
            }
        }

        private void answerGrpc(ChannelHandlerContext ctx, Http2FrameStream stream, GrpcAnswer answer) {
            Http2Headers response = new DefaultHttp2Headers().status("200").set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
            if (answer == GrpcAnswer.UNIMPLEMENTED) {
                response.set("grpc-status", "12").set("grpc-message", "unknown service grpc.health.v1.Health");
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(response, true).stream(stream));
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(response).stream(stream));
            ctx.write(new DefaultHttp2DataFrame(grpcMessage(answer)).stream(stream));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true).stream(stream));
        }
    }

    /** HTTP/1.1, cleartext or over TLS. */
    private final class Http1Answers extends ChannelInboundHandlerAdapter {
        private final String sni;

        Http1Answers(String sni) {
            this.sni = sni;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                int number = requests.incrementAndGet();
                String host = String.valueOf(request.headers().get(HttpHeaderNames.HOST));
                hosts.add(host);
                byte[] body = new byte[request.content().readableBytes()];
                request.content().getBytes(request.content().readerIndex(), body);
                received.add(new Request(ApplicationProtocolNames.HTTP_1_1, request.method().name(), request.uri(), host,
                        String.valueOf(request.headers().get(HttpHeaderNames.CONTENT_TYPE)),
                        String.valueOf(request.headers().get(HttpHeaderNames.TE)), sni, body, grpc,
                        observer.getAsBoolean(), System.nanoTime()));
                String text = body(name, request.method().name(), request.uri(), body.length);
                long delay = request.uri().startsWith("/delay/") ? Long.parseLong(request.uri().substring(7)) : delayMillis;
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                HttpResponseStatus answerStatus = HttpResponseStatus.valueOf(statusOf(number));
                Runnable answer = () -> {
                    ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answerStatus, content);
                    response.headers().set("x-upstream", name).setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                    HttpUtil.setKeepAlive(response, keepAlive);
                    if (keepAlive) {
                        ctx.writeAndFlush(response);
                    } else {
                        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    }
                };
                if (hang) {
                    held.add(() -> ctx.executor().execute(answer));
                } else if (delay > 0) {
                    ctx.executor().schedule(answer, delay, TimeUnit.MILLISECONDS);
                } else {
                    answer.run();
                }
            } finally {
                request.release();
            }
        }
    }
}
