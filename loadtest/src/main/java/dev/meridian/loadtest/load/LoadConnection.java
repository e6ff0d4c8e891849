package dev.meridian.loadtest.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keep-alive connection slot of a load run: it connects, carries one request at a time, times
 * the response through its {@link ResponseTimingHandler}, and reconnects when the connection ends
 * (at once after a clean close, with bounded exponential backoff after failures). To an
 * {@code https} target it puts an {@link SslHandler} first and counts as connected only once the
 * handshake has succeeded; a failed handshake is a failed connection attempt. A plaintext
 * connection has no TLS handler at all.
 *
 * <p>Confined to its event loop: every method runs there, so the state needs no synchronisation.
 * Events from a channel this slot has already given up (closed after a timeout, replaced after a
 * reconnect) are ignored by comparing channels.
 */
final class LoadConnection {

    private static final Logger log = LoggerFactory.getLogger(LoadConnection.class);

    /**
     * The pipeline, in order: {@value #TLS} ({@link SslHandler}, https only), {@value #CODEC}
     * ({@code HttpClientCodec}) then {@value #TIMING} ({@link ResponseTimingHandler}).
     */
    static final String TLS = "tls";
    static final String CODEC = "http-codec";
    static final String TIMING = "response-timing";

    static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum State { CONNECTING, IDLE, BUSY, CLOSING, BACKOFF, STOPPED }

    /**
     * TLS to the target.
     *
     * @param context          the run's client context
     * @param host             sent as SNI when it is a name, and checked against the certificate unless trust is off
     * @param port             the target's port (for the engine's session cache)
     * @param handshakeTimeoutMillis how long the handshake may take before the attempt fails
     */
    record Tls(SslContext context, String host, int port, long handshakeTimeoutMillis) {}

    private final LoopDriver driver;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final LoadMeasurements measurements;
    private final @Nullable Tls tls;

    private State state = State.STOPPED;
    private @Nullable Channel channel;
    private int failures;
    private boolean servedSinceConnect;

    // The exchange in flight (state BUSY); times are System.nanoTime().
    private long intended;
    private long sentAt;
    private long headAt;
    private int status;
    private long bodyBytes;
    private boolean keepAlive;
    private boolean informational;

    /** A plaintext connection. */
    LoadConnection(LoopDriver driver, EventLoop loop, Bootstrap prototype, LoadMeasurements measurements) {
        this(driver, loop, prototype, measurements, null);
    }

    /** A connection with TLS to the target, or plaintext when {@code tls} is null. */
    LoadConnection(LoopDriver driver, EventLoop loop, Bootstrap prototype, LoadMeasurements measurements, @Nullable Tls tls) {
        this.driver = driver;
        this.loop = loop;
        this.measurements = measurements;
        this.tls = tls;
        LoadConnection self = this;
        this.bootstrap = prototype.clone(loop).handler(tls == null
                ? new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(CODEC, new HttpClientCodec())
                                .addLast(TIMING, new ResponseTimingHandler(self));
                    }
                }
                : new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.context().newHandler(ch.alloc(), tls.host(), tls.port());
                        ssl.setHandshakeTimeoutMillis(tls.handshakeTimeoutMillis());
                        ch.pipeline()
                                .addLast(TLS, ssl)
                                .addLast(CODEC, new HttpClientCodec())
                                .addLast(TIMING, new ResponseTimingHandler(self));
                    }
                });
    }

    /** The handler that builds each channel's pipeline (for tests of the pipeline's shape). */
    ChannelHandler channelInitializer() {
        return bootstrap.config().handler();
    }

    boolean isBusy() {
        return state == State.BUSY;
    }

    /** The intended send time of the request in flight (only meaningful while busy). */
    long intended() {
        return intended;
    }

    /** Opens the connection; the driver hears {@link LoopDriver#connected} or {@link LoopDriver#connectFailed}. */
    void connect() {
        state = State.CONNECTING;
        ChannelFuture connecting = bootstrap.connect();
        Channel connectingChannel = connecting.channel();
        channel = connectingChannel;
        connecting.addListener(future -> {
            if (channel != connectingChannel) {
                connectingChannel.close();
                return;
            }
            if (state == State.STOPPED) {
                connectingChannel.close();
                return;
            }
            if (!future.isSuccess()) {
                attemptFailed(future.cause());
            } else if (tls == null) {
                established();
            } else {
                connectingChannel.pipeline().get(SslHandler.class).handshakeFuture().addListener(handshake -> {
                    if (channel != connectingChannel || state != State.CONNECTING) {
                        // Given up meanwhile (stopped, or closed and replaced).
                        connectingChannel.close();
                    } else if (handshake.isSuccess()) {
                        established();
                    } else {
                        connectingChannel.close();
                        attemptFailed(handshakeFailure(tls, handshake.cause()));
                    }
                });
            }
        });
    }

    private void established() {
        state = State.IDLE;
        servedSinceConnect = false;
        driver.connected(this);
    }

    /** The connection attempt (TCP, or the TLS handshake after it) failed: counted, then a new attempt after a backoff. */
    private void attemptFailed(Throwable cause) {
        channel = null;
        failures++;
        measurements.connectFailed(System.nanoTime());
        if (log.isDebugEnabled()) {
            log.debug("connect to {} failed: {}", bootstrap.config().remoteAddress(), cause.toString());
        }
        backOff();
        driver.connectFailed(this, cause);
    }

    /** {@code TLS handshake with HOST:PORT failed: ...}, with the innermost cause's message too (the certificate problem). */
    private static SSLHandshakeException handshakeFailure(Tls tls, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = "TLS handshake with " + tls.host() + ":" + tls.port() + " failed: " + cause.getMessage();
        if (root != cause && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getMessage() + ")";
        }
        SSLHandshakeException failure = new SSLHandshakeException(message);
        failure.initCause(cause);
        return failure;
    }

    /** Writes a request; the connection must be idle. */
    void send(PreparedRequest request, long intendedNanos) {
        Channel ch = channel;
        if (state != State.IDLE || ch == null) {
            throw new IllegalStateException("send on a connection that is " + state);
        }
        state = State.BUSY;
        intended = intendedNanos;
        headAt = 0;
        status = 0;
        bodyBytes = 0;
        keepAlive = true;
        informational = false;
        sentAt = System.nanoTime();
        measurements.requestSent(intendedNanos);
        ch.writeAndFlush(request.newRequest()).addListener(written -> {
            if (!written.isSuccess() && ch == channel && state == State.BUSY) {
                failed(ch, ErrorKind.RESET, written.cause());
            }
        });
    }

    void responseHead(Channel ch, int statusCode, boolean keepAliveAfter) {
        if (ch != channel) {
            return;
        }
        if (state != State.BUSY || (headAt != 0 && !informational)) {
            failed(ch, ErrorKind.PROTOCOL, null);
            return;
        }
        if (statusCode >= 100 && statusCode < 200) {
            // 1xx: the final response is still to come, and this one ends with an empty LastHttpContent.
            informational = true;
            return;
        }
        informational = false;
        headAt = System.nanoTime();
        status = statusCode;
        keepAlive = keepAliveAfter;
        measurements.responseHead(intended, sentAt, headAt);
    }

    void responseContent(Channel ch, int readableBytes) {
        if (ch == channel && state == State.BUSY) {
            bodyBytes += readableBytes;
        }
    }

    void responseEnd(Channel ch) {
        if (ch != channel || state != State.BUSY) {
            return;
        }
        if (informational) {
            informational = false;
            return;
        }
        long endAt = System.nanoTime();
        measurements.responseEnded(intended, sentAt, headAt, endAt, status, bodyBytes);
        failures = 0;
        servedSinceConnect = true;
        if (keepAlive) {
            state = State.IDLE;
            driver.exchangeEnded(this, true);
        } else {
            // Connection: close (RFC 9112 section 9.6): the server closes after this response.
            state = State.CLOSING;
            driver.exchangeEnded(this, false);
            ch.close();
        }
    }

    /** A failure on {@code ch}: counted against the request in flight, if any, and the channel closed. */
    void failed(Channel ch, ErrorKind kind, @Nullable Throwable cause) {
        if (ch != channel) {
            ch.close();
            return;
        }
        if (state == State.BUSY) {
            failures++;
            measurements.requestFailed(intended, kind);
            if (log.isDebugEnabled()) {
                log.debug("[id: 0x{}] request failed ({}): {}", ch.id().asShortText(), kind.label(), String.valueOf(cause));
            }
            state = State.CLOSING;
            driver.exchangeEnded(this, false);
        } else if (state == State.IDLE) {
            state = State.CLOSING;
            driver.leftIdle(this);
        }
        ch.close();
    }

    /** The request in flight took longer than the timeout: counted, and the connection replaced. */
    void timedOut() {
        Channel ch = channel;
        if (state != State.BUSY || ch == null) {
            return;
        }
        measurements.requestFailed(intended, ErrorKind.TIMEOUT);
        state = State.CLOSING;
        driver.exchangeEnded(this, false);
        ch.close();
    }

    void closed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        switch (state) {
            case BUSY -> {
                failures++;
                measurements.requestFailed(intended, ErrorKind.RESET);
                state = State.CLOSING;
                driver.exchangeEnded(this, false);
                reconnect();
            }
            case IDLE -> {
                if (!servedSinceConnect) {
                    // Accepted and closed without serving anything: back off rather than spin.
                    failures++;
                }
                state = State.CLOSING;
                driver.leftIdle(this);
                reconnect();
            }
            case CLOSING -> reconnect();
            default -> {
                // CONNECTING is handled by the connect listener; STOPPED and BACKOFF need nothing.
            }
        }
    }

    /** Closes the connection for good (end of the run). */
    void stop() {
        state = State.STOPPED;
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close();
        }
    }

    private void reconnect() {
        if (!driver.wantsConnections()) {
            state = State.STOPPED;
            return;
        }
        if (failures == 0) {
            connect();
        } else {
            backOff();
        }
    }

    /** Waits {@code 10ms * 2^(failures-1)}, at most a second, then connects again. */
    private void backOff() {
        state = State.BACKOFF;
        int exponent = Math.min(Math.max(failures - 1, 0), 20);
        long delay = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << exponent);
        loop.schedule(() -> {
            if (state == State.BACKOFF && driver.wantsConnections()) {
                connect();
            }
        }, delay, TimeUnit.NANOSECONDS);
    }
}
