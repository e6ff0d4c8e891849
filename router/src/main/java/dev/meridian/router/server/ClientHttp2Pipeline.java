package dev.meridian.router.server;

import dev.meridian.config.Http2Config;
import dev.meridian.config.ServerConfig;
import dev.meridian.router.upstream.IdleTimeoutHandler;
import dev.meridian.router.exchange.Exchange;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.RouterPipeline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of a client connection that speaks HTTP/2: after ALPN chose {@code h2}, after an
 * h2c prior-knowledge preface, or after an {@code Upgrade: h2c} request.
 *
 * <pre>
 * connection:  [TLS]  H2_CODEC Http2FrameCodec   H2_MULTIPLEX Http2MultiplexHandler   H2_IDLE   H2_GUARD
 * each stream: H2_STREAM_CODEC Http2StreamFrameToHttpObjectCodec   REQUEST_VALIDATION   PROXY ProxyHandler
 * </pre>
 *
 * Each stream is a child channel that carries one request as HTTP/1-style objects through the
 * same {@link ProxyHandler} and {@link Exchange} as an HTTP/1.1 connection. Stream channels run
 * with auto-read off, like HTTP/1.1 connections: a stream's request body is read only while its
 * upstream can take it, and its flow-control window is returned to the client only as it is read,
 * so a slow stream holds back only itself. A stream channel is writable while the stream's and the
 * connection's send windows have room, so a slow-reading client stops the upstream reads of that
 * stream alone, and the router buffers at most a window per stream.
 *
 * <p>Limits: concurrent streams and header list size are advertised in SETTINGS and enforced by
 * the codec; a client that resets more streams per second than {@code max-resets-per-second} (the
 * rapid-reset attack) gets GOAWAY ENHANCE_YOUR_CALM and is closed. The connection itself reads
 * continuously (control frames must always be processed); idle connections with no open stream are
 * closed after the client idle timeout with GOAWAY; a drain closes gracefully (GOAWAY, then the
 * open streams finish within the shutdown grace).
 */
final class ClientHttp2Pipeline {

    private static final Logger log = LoggerFactory.getLogger(ClientHttp2Pipeline.class);

    private final Supplier<RouterSnapshot> snapshots;
    private final ProxyResources resources;
    /** Makes each stream's validation stage. */
    private final Supplier<RequestValidationHandler> validation;
    private final ServerConfig server;

    ClientHttp2Pipeline(Supplier<RouterSnapshot> snapshots, ProxyResources resources,
            Supplier<RequestValidationHandler> validation, ServerConfig server) {
        this.snapshots = snapshots;
        this.resources = resources;
        this.validation = validation;
        this.server = server;
    }

    /** Turns the connection, whose HTTP/1 handlers were set up or not yet, into an HTTP/2 one from {@code after} on. */
    void configure(ChannelPipeline p) {
        removeHttp1Handlers(p);
        Http2FrameCodec codec = newCodec();
        p.addLast(RouterPipeline.H2_CODEC, codec);
        addAfterCodec(p, codec);
    }

    /** A handler that, once in the pipeline, turns the connection into an HTTP/2 one (for h2c prior knowledge). */
    ChannelHandler priorKnowledgeInitializer() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                configure(ch.pipeline());
            }
        };
    }

    /** The upgrade codec for {@code Upgrade: h2c}; the HTTP/1 handlers leave when the upgrade event passes them. */
    Http2ServerUpgradeCodec upgradeCodec() {
        Http2FrameCodec codec = newCodec();
        return new Http2ServerUpgradeCodec(RouterPipeline.H2_CODEC, codec,
                new Http2MultiplexHandler(new StreamInitializer()),
                new IdleTimeoutHandler(server.clientIdleTimeout().toMillis()), new ConnectionGuard(codec)) {
            @Override
            public void upgradeTo(ChannelHandlerContext ctx, io.netty.handler.codec.http.FullHttpRequest request) {
                removeHttp1Handlers(ctx.pipeline());
                ctx.channel().config().setAutoRead(true);
                super.upgradeTo(ctx, request);
            }
        };
    }

    private void addAfterCodec(ChannelPipeline p, Http2FrameCodec codec) {
        p.addLast(RouterPipeline.H2_MULTIPLEX, new Http2MultiplexHandler(new StreamInitializer()));
        p.addLast(RouterPipeline.H2_IDLE, new IdleTimeoutHandler(server.clientIdleTimeout().toMillis()));
        p.addLast(RouterPipeline.H2_GUARD, new ConnectionGuard(codec));
        // Control frames (SETTINGS, PING, WINDOW_UPDATE, RST_STREAM) must always be read; each
        // stream's data is held back by its own flow-control window instead.
        p.channel().config().setAutoRead(true);
        p.channel().read();
    }

    /**
     * Gives the connection a receive window of every stream's window together (at most 16 MiB):
     * with the 64 KiB default, one stream whose upstream is slow would hold the whole connection's
     * window and stall the request bodies of every other stream.
     */
    private void widenConnectionWindow(Http2FrameCodec codec) {
        Http2Config http2 = server.http2();
        long wanted = Math.min(16L * 1024 * 1024, (long) http2.maxConcurrentStreams() * http2.initialWindowSize());
        int delta = (int) Math.max(0, wanted - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        if (delta > 0) {
            try {
                Http2Connection connection = codec.connection();
                connection.local().flowController().incrementWindowSize(connection.connectionStream(), delta);
            } catch (Http2Exception e) {
                log.debug("cannot widen the HTTP/2 connection window: {}", e.toString());
            }
        }
    }

    private Http2FrameCodec newCodec() {
        Http2Config http2 = server.http2();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(http2.maxConcurrentStreams())
                .initialWindowSize(http2.initialWindowSize())
                .maxHeaderListSize(server.maxHeaderSize());
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(http2.maxResetsPerSecond(), 1)
                .gracefulShutdownTimeoutMillis(server.shutdownGrace().toMillis())
                .build();
    }

    /** Takes out what only an HTTP/1.1 connection has; the connection-level handlers (TLS, limits) stay. */
    private static void removeHttp1Handlers(ChannelPipeline p) {
        for (String name : RouterPipeline.HTTP1_ONLY) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    /** Each stream: HTTP/2 frames to HTTP objects, then the same validation and proxy stages as HTTP/1.1. */
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(RouterPipeline.H2_STREAM_CODEC, new Http2StreamFrameToHttpObjectCodec(true, true));
            ch.pipeline().addLast(RouterPipeline.REQUEST_VALIDATION, validation.get());
            ch.pipeline().addLast(RouterPipeline.PROXY, new ProxyHandler(snapshots, resources));
        }
    }

    /** Closes idle connections (no open stream) and drains gracefully. */
    private final class ConnectionGuard extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionGuard(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // The codec is in the pipeline and has sent its preface: the window can grow now.
            widenConnectionWindow(codec);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    log.debug("{} idle HTTP/2 connection closed", ctx.channel());
                    ctx.channel().close();
                }
                return;
            }
            if (evt == ProxyHandler.DRAIN) {
                // Http2ConnectionHandler's close: GOAWAY, then wait for the open streams (up to the grace).
                ctx.channel().close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Http2Exception http2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
            if (http2 != null) {
                // The codec fires this before it answers with GOAWAY (with the error's code) and
                // closes; closing here first would send GOAWAY NO_ERROR and hide the reason.
                if (!(http2 instanceof Http2Exception.StreamException)) {
                    snapshots.get().meters().http2ConnectionError(http2.error().name());
                    if (http2.error() == Http2Error.ENHANCE_YOUR_CALM) {
                        log.info("{} HTTP/2 client closed with GOAWAY ENHANCE_YOUR_CALM: {}", ctx.channel(), http2.getMessage());
                    } else {
                        log.debug("{} HTTP/2 connection error: {}", ctx.channel(), http2.toString());
                    }
                }
                return;
            }
            log.debug("{} HTTP/2 connection error: {}", ctx.channel(), cause.toString());
            ctx.channel().close();
        }
    }
}
