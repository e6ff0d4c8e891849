package dev.meridian.router.upstream;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import dev.meridian.router.http.RouterPipeline;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 connections from one event loop to one endpoint ({@code h2c} with prior knowledge, or
 * {@code h2} over TLS where ALPN must select {@code h2}), each carrying many exchanges at once as
 * streams.
 *
 * <p>A lease is a stream: an {@code Http2StreamChannel} opened on a connection with room, whose
 * pipeline ({@code Http2StreamFrameToHttpObjectCodec}, {@link Http2StreamHandler},
 * {@link UpstreamHandler}) lets the exchange speak {@code HttpObject}s exactly as on HTTP/1.1. Stream
 * channels read only when asked (auto-read off), and a stream channel is writable only while the
 * stream's flow-control window has room, so backpressure works per stream in both directions; a
 * slow stream does not hold up the others on its connection.
 *
 * <p>Streams go to the oldest connection with room (fewer than the peer's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS} open), so that extra connections go idle and are closed
 * by the idle timeout. A new connection is opened only when every connection is full and the
 * endpoint's connection limit allows; beyond that requests wait in a bounded queue, each for at
 * most its connect timeout. A connection counts as connected once the peer's first SETTINGS
 * arrived (after TCP, TLS and ALPN), all within the connect timeout.
 *
 * <p>Releasing a lease closes its finished stream; discarding one resets it
 * ({@code RST_STREAM CANCEL}) and never touches the shared connection. After a {@code GOAWAY} a
 * connection takes no new streams, lets its active ones finish, and closes; streams the peer says
 * it never processed are reported to their exchanges as refused (see {@link Http2StreamHandler}).
 */
final class Http2UpstreamPool extends UpstreamPool {

    private static final Logger log = LoggerFactory.getLogger(Http2UpstreamPool.class);

    /** Streams a connection is assumed to take until the peer's SETTINGS say (RFC 9113 §6.5.2 recommends at least 100). */
    private static final int ASSUMED_MAX_STREAMS = 100;
    /** Receive window per stream: what one response may have in flight unread (the client side is slow). */
    private static final int STREAM_WINDOW = 256 * 1024;
    /** Receive window of the connection: enough for many stalled streams before the others wait. */
    private static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    private static final int MAX_RESPONSE_HEADERS = 64 * 1024;

    private static final Http2StreamFrameToHttpObjectCodec STREAM_CODEC = new Http2StreamFrameToHttpObjectCodec(false);

    private final String protocolName;
    /** Oldest first: streams go to the first with room. */
    private final List<Connection> connections = new ArrayList<>(2);
    // Figures for the metrics, read from another thread: plain ints, written on the loop.
    private int idleCount;
    private int streamCount;

    Http2UpstreamPool(Endpoint endpoint, EventLoop loop, @Nullable UpstreamTls tls, AtomicInteger endpointConnections,
            Settings settings) {
        super(endpoint, loop, tls, endpointConnections, settings);
        this.protocolName = tls != null ? "h2" : "h2c";
    }

    @Override
    int idleCount() {
        return idleCount;
    }

    @Override
    String waitedFor() {
        return "HTTP/2 stream";
    }

    @Override
    int streamCount() {
        return streamCount;
    }

    @Override
    void recount() {
        int idle = 0;
        int streams = 0;
        for (Connection c : connections) {
            if (c.ready && c.streams == 0) {
                idle++;
            }
            streams += c.streams;
        }
        idleCount = idle;
        streamCount = streams;
    }

    @Override
    public void acquire(Lease lease, long connectTimeoutMillis) {
        assert loop.inEventLoop();
        if (closed) {
            lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException("pool closed"));
            return;
        }
        Connection room = withRoom();
        if (room != null) {
            open(room, lease);
        } else if (comingCapacity() > waiting() && waiting() < maxPending) {
            // A connection on its way has room for this one too.
            enqueue(lease, connectTimeoutMillis, false);
        } else if (reserve()) {
            connect(lease, connectTimeoutMillis);
        } else if (waiting() < maxPending) {
            enqueue(lease, connectTimeoutMillis, false);
        } else {
            lease.onAcquireFailed(AcquireFailure.OVERLOADED, new IllegalStateException(
                    "connection limit " + maxConnections + " reached, every connection at its stream limit, and "
                            + waiting() + " requests waiting"));
        }
        recount();
    }

    /** The stream's exchange is complete: close the stream channel (the stream is done; the connection stays). */
    @Override
    public void release(UpstreamConnection connection) {
        connection.endLease();
        if (connection.isConnected()) {
            connection.channel().close();
        }
    }

    /** Resets the stream ({@code RST_STREAM CANCEL}) unless it already ended; never the connection. */
    @Override
    void discard(UpstreamConnection connection) {
        connection.endLease();
        if (!connection.isConnected()) {
            return;
        }
        Channel channel = connection.channel();
        if (channel instanceof Http2StreamChannel && channel.isActive()) {
            Http2FrameStream stream = ((Http2StreamChannel) channel).stream();
            // Closing the stream channel resets it only while the response is unfinished; a
            // request still being sent after a finished response needs the reset too.
            if (stream.id() > 0 && stream.state() != Http2Stream.State.CLOSED) {
                channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL), channel.voidPromise());
            }
        }
        channel.close();
    }

    @Override
    void onClosed(UpstreamConnection connection) {
        // Streams are counted by their channels' close futures (see open()).
    }

    /** Every connection goes away: the idle ones close now, the others after their last stream. */
    @Override
    void closeIdleConnections() {
        for (Connection c : new ArrayList<>(connections)) {
            c.goingAway = true;
            if (c.streams == 0) {
                c.channel.close();
            }
        }
    }

    private @Nullable Connection withRoom() {
        for (Connection c : connections) {
            if (c.hasRoom()) {
                return c;
            }
        }
        return null;
    }

    /** Streams that connections still being set up can take beyond the leases that opened them. */
    private int comingCapacity() {
        int capacity = 0;
        for (Connection c : connections) {
            if (!c.ready && !c.failed) {
                capacity += ASSUMED_MAX_STREAMS - (c.opener != null ? 1 : 0);
            }
        }
        return capacity;
    }

    /** Serves waiters from connections with room, opening connections for the rest while allowed. */
    private void dispatch() {
        Waiter waiter;
        while ((waiter = firstWaiting()) != null) {
            Connection room = withRoom();
            if (room != null) {
                takeWaiting();
                open(room, waiter.lease);
                continue;
            }
            if (closed || comingCapacity() >= waiting() || !reserve()) {
                break;
            }
            takeWaiting();
            connect(waiter.lease, waiter.connectTimeoutMillis);
        }
        recount();
    }

    // ---- streams ------------------------------------------------------------------------------

    private void open(Connection c, Lease lease) {
        c.streams++;
        UpstreamConnection stream = new UpstreamConnection(this);
        Future<Http2StreamChannel> opened = new Http2StreamChannelBootstrap(c.channel)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, UpstreamPools.WATER_MARK)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (hostHandler != null) { // before the codec: it sets :authority on the HEADERS frame
                            p.addLast(RouterPipeline.UPSTREAM_HOST, hostHandler);
                        }
                        p.addLast(RouterPipeline.UPSTREAM_CODEC, STREAM_CODEC);
                        p.addLast(RouterPipeline.UPSTREAM_H2_STREAM, Http2StreamHandler.INSTANCE);
                        p.addLast(RouterPipeline.UPSTREAM, stream.handler());
                    }
                })
                .open();
        opened.addListener(f -> {
            if (!f.isSuccess()) {
                streamEnded(c);
                lease.onAcquireFailed(AcquireFailure.CONNECT_FAILED, f.cause());
                return;
            }
            Http2StreamChannel channel = opened.getNow();
            stream.connected(channel);
            channel.closeFuture().addListener(x -> streamEnded(c));
            handNew(stream, lease);
        });
    }

    private void streamEnded(Connection c) {
        c.streams--;
        if (c.streams == 0 && c.goingAway) {
            c.channel.close();
        }
        dispatch();
    }

    // ---- connections --------------------------------------------------------------------------

    private void connect(Lease opener, long connectTimeoutMillis) {
        Connection c = new Connection(opener, connectTimeoutMillis);
        connections.add(c);
        Bootstrap bootstrap = bootstrap(connectTimeoutMillis, new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = addTls(ch, connectTimeoutMillis);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(RouterPipeline.UPSTREAM_IDLE, idleEviction());
                        if (ssl == null) {
                            addHttp2(p);
                        }
                        p.addLast(RouterPipeline.UPSTREAM_H2_CONNECTION, c);
                    }
                })
                // The connection reads all the time: flow control, not auto-read, paces each stream.
                .option(ChannelOption.AUTO_READ, true);
        ChannelFuture future = bootstrap.connect(endpoint.address());
        c.channel = future.channel();
        if (failedWithoutSocket(future, cause -> {
            unreserveSlot();
            connectFailed(c, AcquireFailure.CONNECT_FAILED, cause);
            dispatch();
        })) {
            return;
        }
        c.readyTimer = loop.schedule(() -> connectFailed(c, AcquireFailure.CONNECT_TIMEOUT,
                new ConnectTimeoutException("no HTTP/2 connection to " + endpoint + " (" + protocolName
                        + ") within " + connectTimeoutMillis + " ms")), connectTimeoutMillis, TimeUnit.MILLISECONDS);
        future.channel().closeFuture().addListener(f -> connectionClosed(c));
        future.addListener(f -> {
            if (!f.isSuccess()) {
                connectFailed(c, connectFailure(f.cause()), f.cause());
                return;
            }
            SslHandler ssl = future.channel().pipeline().get(SslHandler.class);
            if (ssl != null) {
                ssl.handshakeFuture().addListener(h -> handshaken(c, ssl, h.isSuccess() ? null : h.cause()));
            }
        });
    }

    private void handshaken(Connection c, SslHandler ssl, @Nullable Throwable failure) {
        if (failure != null) {
            // Logged even when the connection's close was noticed first.
            connectFailed(c, tlsFailed(failure), failure);
            return;
        }
        if (c.failed) {
            return;
        }
        String alpn = ssl.applicationProtocol();
        if (!UpstreamTls.negotiatedHttp2(alpn)) {
            String problem = "ALPN did not select h2 (the endpoint chose " + (alpn == null ? "nothing" : alpn)
                    + "), but the region's protocol is h2; set protocol: h1 or enable HTTP/2 on the endpoint";
            tlsRefused(problem);
            connectFailed(c, AcquireFailure.CONNECT_FAILED, new IllegalStateException(problem));
            return;
        }
        tlsSucceeded();
        ChannelPipeline p = c.channel.pipeline();
        addHttp2(p);
    }

    /** The HTTP/2 codec and the stream multiplexer, just before the connection's own handler. */
    private static void addHttp2(ChannelPipeline p) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .initialWindowSize(STREAM_WINDOW)
                        .maxHeaderListSize(MAX_RESPONSE_HEADERS))
                .build();
        if (p.get(RouterPipeline.UPSTREAM_H2_CONNECTION) != null) {
            p.addBefore(RouterPipeline.UPSTREAM_H2_CONNECTION, RouterPipeline.UPSTREAM_H2_CODEC, codec);
            p.addBefore(RouterPipeline.UPSTREAM_H2_CONNECTION, RouterPipeline.UPSTREAM_H2_MULTIPLEX,
                    new Http2MultiplexHandler(RejectPushedStreams.INSTANCE));
        } else {
            p.addLast(RouterPipeline.UPSTREAM_H2_CODEC, codec);
            p.addLast(RouterPipeline.UPSTREAM_H2_MULTIPLEX, new Http2MultiplexHandler(RejectPushedStreams.INSTANCE));
        }
    }

    /** The peer's first SETTINGS arrived: the connection takes streams, first its opener's. */
    private void ready(Connection c) {
        if (c.failed || c.ready) {
            return;
        }
        c.ready = true;
        cancelReadyTimer(c);
        c.codec = c.channel.pipeline().get(Http2FrameCodec.class);
        // Open the connection-level receive window (stream 0 starts at 64 KiB, RFC 9113 §6.9.2).
        c.channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE), c.channel.voidPromise());
        Lease opener = c.opener;
        c.opener = null;
        if (opener != null && !opener.isCancelled()) {
            if (c.hasRoom()) {
                open(c, opener);
            } else {
                // The peer allows no streams right now: wait like everyone else.
                enqueue(opener, c.connectTimeoutMillis, true);
            }
        }
        dispatch();
    }

    /** Setting up {@code c} failed: its opener fails, and so do waiters no other connection can serve. */
    private void connectFailed(Connection c, AcquireFailure failure, Throwable cause) {
        if (c.failed || c.ready) {
            return;
        }
        c.failed = true;
        cancelReadyTimer(c);
        connections.remove(c);
        c.channel.close();
        log.debug("{} connection to {} failed: {}", protocolName, endpoint, cause.toString());
        Lease opener = c.opener;
        c.opener = null;
        if (opener != null && !opener.isCancelled()) {
            opener.onAcquireFailed(failure, cause);
        }
        if (withRoom() == null && comingCapacity() == 0) {
            failWaiters(failure, cause);
        }
        recount();
    }

    private static void cancelReadyTimer(Connection c) {
        ScheduledFuture<?> timer = c.readyTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void connectionClosed(Connection c) {
        unreserveSlot();
        if (!c.ready) {
            connectFailed(c, AcquireFailure.CONNECT_FAILED, new IllegalStateException(
                    "the " + protocolName + " connection to " + endpoint + " closed before the HTTP/2 preface"));
        }
        connections.remove(c);
        dispatch();
    }

    private void goAway(Connection c, Http2GoAwayFrame frame) {
        if (!c.goingAway) {
            log.debug("{} upstream {} sent GOAWAY (error {}, last stream {}) with {} active streams; "
                    + "new streams go to another connection", c.channel, endpoint, frame.errorCode(),
                    frame.lastStreamId(), c.streams);
        }
        c.goingAway = true;
        if (c.streams == 0) {
            c.channel.close();
        }
        dispatch();
    }

    /**
     * One HTTP/2 connection, and the last handler of its pipeline: hears SETTINGS, GOAWAY, idleness
     * and the end of the connection. Touched only on the pool's loop.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        @Nullable Lease opener;
        final long connectTimeoutMillis;
        Channel channel;
        @Nullable Http2FrameCodec codec;
        /** Null only for a connection whose socket could not be created. */
        @Nullable ScheduledFuture<?> readyTimer;
        boolean ready;
        boolean failed;
        boolean goingAway;
        int streams;

        /** {@code channel} and {@code readyTimer} are set by {@link #connect} right after construction. */
        Connection(Lease opener, long connectTimeoutMillis) {
            this.opener = opener;
            this.connectTimeoutMillis = connectTimeoutMillis;
        }

        boolean hasRoom() {
            Http2FrameCodec h2 = codec;
            return ready && !goingAway && !closed && h2 != null && channel.isActive()
                    && streams < h2.connection().local().maxActiveStreams();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2SettingsFrame) {
                    if (ready) {
                        // The peer may have raised its stream limit.
                        dispatch();
                    } else {
                        ready(this);
                    }
                } else if (msg instanceof Http2GoAwayFrame) {
                    goAway(this, (Http2GoAwayFrame) msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (streams == 0) {
                    log.debug("{} closing idle {} connection to {}", ctx.channel(), protocolName, endpoint);
                    ctx.close();
                }
                return;
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ready) {
                log.debug("{} {} connection to {} failed", ctx.channel(), protocolName, endpoint, cause);
            }
            ctx.close();
        }
    }

    /** Meridian disables server push; a stream the peer opens anyway is closed at once. */
    @Sharable
    private static final class RejectPushedStreams extends ChannelInboundHandlerAdapter {
        static final RejectPushedStreams INSTANCE = new RejectPushedStreams();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
