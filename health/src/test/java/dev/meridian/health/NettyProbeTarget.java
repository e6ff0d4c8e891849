package dev.meridian.health;

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
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * A gateway replica for HTTP/2, TLS and gRPC probes, written with Netty on loopback and port 0:
 * cleartext HTTP/2 with prior knowledge ({@link #h2c()}), or TLS offering {@code h2} and
 * {@code http/1.1} by ALPN ({@link #tls}). It answers {@code GET} on any path with
 * {@link #status(int)}, and {@code grpc.health.v1.Health/Check} with hand-encoded answers
 * ({@link #grpc(GrpcAnswer)}). It records every request and counts connections.
 */
final class NettyProbeTarget implements AutoCloseable {

    static final String GRPC_CHECK = "/grpc.health.v1.Health/Check";

    /** What the gRPC health service answers. */
    enum GrpcAnswer {
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
     */
    record Request(String protocol, String method, String path, String authority, String contentType, String te,
                   String sni, byte[] body, GrpcAnswer answer, boolean observed) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final @Nullable SslContext ssl;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile int status = 200;
    private volatile GrpcAnswer grpc = GrpcAnswer.SERVING;
    private volatile BooleanSupplier observer = () -> true;

    private NettyProbeTarget(@Nullable SslContext ssl) throws InterruptedException {
        this.ssl = ssl;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        SslContext context = NettyProbeTarget.this.ssl;
                        if (context == null) {
                            addHttp2(ch.pipeline(), "");
                        } else {
                            addTls(ch, context);
                        }
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
    }

    /** Cleartext HTTP/2 with prior knowledge. */
    static NettyProbeTarget h2c() throws InterruptedException {
        return new NettyProbeTarget(null);
    }

    /** TLS with {@code certificate}, ALPN {@code h2} or {@code http/1.1}. */
    static NettyProbeTarget tls(X509Bundle certificate) throws Exception {
        SslContext context = SslContextBuilder.forServer(certificate.toKeyManagerFactory())
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
        return new NettyProbeTarget(context);
    }

    /** {@code scheme://127.0.0.1:port}. */
    URI uri(String scheme) {
        return URI.create(scheme + "://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    NettyProbeTarget status(int status) {
        this.status = status;
        return this;
    }

    NettyProbeTarget grpc(GrpcAnswer answer) {
        this.grpc = answer;
        return this;
    }

    /** Evaluated when each request arrives; the result is recorded with it. */
    NettyProbeTarget observe(BooleanSupplier observer) {
        this.observer = observer;
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void addTls(SocketChannel ch, SslContext context) {
        SslHandler tls = context.newHandler(ch.alloc());
        ch.pipeline().addLast(tls, new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                    ctx.close(); // the client refused our certificate: nothing more to do
                    return;
                }
                super.userEventTriggered(ctx, evt);
            }

            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                String sni = sni(tls.engine().getSession());
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    addHttp2(ctx.pipeline(), sni);
                } else {
                    ctx.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Http1Handler(sni));
                }
            }

            @Override
            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
    }

    private static String sni(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return "";
    }

    private void addHttp2(ChannelPipeline pipeline, String sni) {
        pipeline.addLast(Http2FrameCodecBuilder.forServer().build(),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamHandler(sni));
                    }
                }));
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

    /** One HTTP/2 stream: collects the request, answers when it ends. */
    private final class Http2StreamHandler extends ChannelInboundHandlerAdapter {

        private final String sni;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers headers = new DefaultHttp2Headers();

        Http2StreamHandler(String sni) {
            this.sni = sni;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end;
                if (msg instanceof Http2HeadersFrame frame) {
                    if (headers.isEmpty()) {
                        headers = frame.headers();
                    }
                    end = frame.isEndStream();
                } else if (msg instanceof Http2DataFrame frame) {
                    ByteBuf content = frame.content();
                    byte[] bytes = new byte[content.readableBytes()];
                    content.getBytes(content.readerIndex(), bytes);
                    body.writeBytes(bytes);
                    end = frame.isEndStream();
                } else {
                    end = false;
                }
                if (end) {
                    answer(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            String path = String.valueOf(headers.path());
            GrpcAnswer answer = grpc;
            requests.add(new Request(ApplicationProtocolNames.HTTP_2, String.valueOf(headers.method()), path,
                    String.valueOf(headers.authority()), String.valueOf(headers.get(HttpHeaderNames.CONTENT_TYPE)),
                    String.valueOf(headers.get(HttpHeaderNames.TE)), sni, body.toByteArray(), answer,
                    observer.getAsBoolean()));
            if (!GRPC_CHECK.equals(path)) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(String.valueOf(status))
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(
                        Unpooled.copiedBuffer("{\"status\":\"ok\"}", StandardCharsets.US_ASCII), true));
                return;
            }
            Http2Headers response = new DefaultHttp2Headers().status("200").set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
            if (answer == GrpcAnswer.UNIMPLEMENTED) {
                response.set("grpc-status", "12").set("grpc-message", "unknown service grpc.health.v1.Health");
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(response, true));
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(response));
            ctx.write(new DefaultHttp2DataFrame(grpcMessage(answer)));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
        }
    }

    /** HTTP/1.1 over TLS. */
    private final class Http1Handler extends ChannelInboundHandlerAdapter {

        private final String sni;

        Http1Handler(String sni) {
            this.sni = sni;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                requests.add(new Request(ApplicationProtocolNames.HTTP_1_1, request.method().name(), request.uri(),
                        String.valueOf(request.headers().get(HttpHeaderNames.HOST)),
                        String.valueOf(request.headers().get(HttpHeaderNames.CONTENT_TYPE)),
                        String.valueOf(request.headers().get(HttpHeaderNames.TE)), sni, new byte[0], grpc,
                        observer.getAsBoolean()));
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(status),
                        Unpooled.copiedBuffer("{\"status\":\"ok\"}", StandardCharsets.US_ASCII));
                HttpUtil.setContentLength(response, response.content().readableBytes());
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                HttpUtil.setKeepAlive(response, keepAlive);
                if (keepAlive) {
                    ctx.writeAndFlush(response);
                } else {
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                }
            } finally {
                request.release();
            }
        }
    }
}
