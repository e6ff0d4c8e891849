package dev.meridian.router.internal;

import dev.meridian.config.RouteConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.RoutingDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, between a client connection and one upstream connection.
 *
 * <p>Everything runs on the client connection's event loop, which is also the loop of the
 * upstream connection. Bodies stream both ways one chunk at a time: the request body is read from
 * the client only while the upstream is writable, the response only while the client is writable.
 * Nothing is aggregated; the only buffering is the handful of request chunks that arrive while the
 * upstream connection is being acquired.
 *
 * <p>Every path ends in exactly one of {@link #complete}, {@link #fail} or {@link #cancel}, which
 * release what the exchange holds, end its upstream lease and tell the {@link ProxyHandler}.
 */
final class Exchange implements UpstreamPool.Lease {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Unread request body Meridian reads and drops after an early error to keep the connection. */
    private static final long MAX_DISCARDED_BODY = 64 * 1024;

    private final ProxyHandler client;
    private final ChannelHandlerContext clientCtx;
    private final HttpRequest request;
    private final RouteConfig route;
    private final RoutingDecision decision;
    private final String requestId;
    private final InetAddress clientAddress;
    private final String scheme;
    private final long maxRequestBody;
    private final boolean addRegionHeader;
    private final boolean clientKeepAlive;
    private final boolean clientHttp11;
    private final boolean headRequest;

    private @Nullable UpstreamConnection upstream;
    private @Nullable ArrayDeque<HttpContent> pendingBody;
    private long requestBodyBytes;
    private boolean requestReceived;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean skippingInformational;
    private boolean upstreamKeepAlive;
    private boolean clientDelimited = true;
    private boolean finished;
    private long lastResponseActivityNanos;
    private long requestWrittenNanos;

    private @Nullable ScheduledFuture<?> firstByteTimer;
    private @Nullable ScheduledFuture<?> idleTimer;
    private @Nullable ScheduledFuture<?> totalTimer;

    Exchange(
            ProxyHandler client,
            ChannelHandlerContext clientCtx,
            HttpRequest request,
            RouteConfig route,
            RoutingDecision decision,
            String requestId,
            InetAddress clientAddress,
            String scheme,
            long maxRequestBody,
            boolean addRegionHeader) {
        this.client = client;
        this.clientCtx = clientCtx;
        this.request = request;
        this.route = route;
        this.decision = decision;
        this.requestId = requestId;
        this.clientAddress = clientAddress;
        this.scheme = scheme;
        this.maxRequestBody = maxRequestBody;
        this.addRegionHeader = addRegionHeader;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.clientHttp11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        this.headRequest = request.method().name().equals("HEAD");
    }

    /** Starts the exchange: arms the total timeout and asks the pool for a connection. */
    void start(UpstreamPool pool) {
        decision.endpoint().requestStarted();
        TimeoutConfig timeouts = route.timeouts();
        totalTimer = schedule(this::onTotalTimeout, timeouts.total().toNanos());
        pool.acquire(this, timeouts.connect().toMillis());
    }

    String region() {
        return decision.region().name();
    }

    /** Whether body parts from the client still belong to this exchange. */
    boolean acceptsRequestContent() {
        return !requestReceived && !finished;
    }

    /** Whether the client connection should be read now. */
    boolean wantsClientRead() {
        if (finished) {
            return false;
        }
        if (requestReceived) {
            // Keep a read pending to notice a client that leaves; a pipelined request is queued.
            return true;
        }
        UpstreamConnection connection = upstream;
        return connection != null && connection.channel().isWritable();
    }

    // ---- client side ------------------------------------------------------------------------

    /** A part of the request body. The exchange owns it from here on. */
    void onClientContent(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        requestBodyBytes += content.content().readableBytes();
        if (requestBodyBytes > maxRequestBody) {
            content.release();
            fail(ErrorResponse.BODY_TOO_LARGE, null);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestReceived = true;
        }
        UpstreamConnection connection = upstream;
        if (connection == null) {
            if (pendingBody == null) {
                pendingBody = new ArrayDeque<>(4);
            }
            pendingBody.add(content);
            return;
        }
        connection.channel().write(content, connection.channel().voidPromise());
        if (last) {
            onRequestSent();
        }
    }

    void onClientReadComplete() {
        UpstreamConnection connection = upstream;
        if (connection != null && !finished) {
            connection.channel().flush();
        }
    }

    void onClientWritabilityChanged() {
        UpstreamConnection connection = upstream;
        if (connection != null && !finished && clientCtx.channel().isWritable()) {
            connection.channel().read();
        }
    }

    /** The client connection closed: the upstream exchange is cancelled, not counted as its failure. */
    void cancel() {
        if (finished) {
            return;
        }
        finishAndDiscardUpstream();
        log.debug("{} client left; cancelled exchange with {}", clientCtx.channel(), decision.endpoint());
    }

    // ---- upstream side -----------------------------------------------------------------------

    @Override
    public boolean isCancelled() {
        return finished;
    }

    @Override
    public void onAcquired(UpstreamConnection connection) {
        if (finished) {
            connection.pool().release(connection);
            return;
        }
        upstream = connection;
        requestWrittenNanos = System.nanoTime();
        Channel channel = connection.channel();
        ForwardingHeaders.prepareRequest(request, clientAddress, scheme, requestId);
        channel.write(request, channel.voidPromise());
        ArrayDeque<HttpContent> pending = pendingBody;
        if (pending != null) {
            HttpContent content;
            while ((content = pending.pollFirst()) != null) {
                channel.write(content, channel.voidPromise());
            }
            pendingBody = null;
        }
        channel.flush();
        if (requestReceived) {
            onRequestSent();
        }
        channel.read();
        client.maybeRead();
    }

    @Override
    public void onAcquireFailed(UpstreamPool.AcquireFailure failure, Throwable cause) {
        if (finished) {
            return;
        }
        log.debug("{} no connection to {}: {}", clientCtx.channel(), decision.endpoint(), cause.toString());
        switch (failure) {
            case CONNECT_TIMEOUT:
                fail(ErrorResponse.UPSTREAM_TIMEOUT, null);
                break;
            case OVERLOADED:
                fail(ErrorResponse.UPSTREAM_OVERLOADED, null);
                break;
            case CONNECT_FAILED:
            default:
                fail(ErrorResponse.UPSTREAM_UNAVAILABLE, "region " + region() + " refused the connection");
                break;
        }
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                upstreamBroken(ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 1xx interim responses are not forwarded: Meridian answered Expect itself and
                // never forwards Upgrade. Drop it and the empty last content that follows.
                skippingInformational = true;
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof FullHttpResponse) {
                // The decoder does not aggregate, but be exact if a whole message ever arrives:
                // split it into a head and a last content that takes over the body buffer.
                FullHttpResponse full = (FullHttpResponse) msg;
                onResponseHead(new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
                onResponseContent(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            } else {
                onResponseHead(response);
            }
            return;
        }
        if (msg instanceof HttpContent) {
            HttpContent content = (HttpContent) msg;
            if (skippingInformational) {
                if (content instanceof LastHttpContent) {
                    skippingInformational = false;
                }
                content.release();
                return;
            }
            if (content.decoderResult().isFailure()) {
                content.release();
                upstreamBroken(ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            onResponseContent(content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void onResponseHead(HttpResponse response) {
        cancel(firstByteTimer);
        firstByteTimer = null;
        responseStarted = true;
        long now = System.nanoTime();
        decision.endpoint().recordTimeToFirstByte(now - requestWrittenNanos);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        boolean keepAlive = clientKeepAlive && !client.isDraining();
        clientDelimited = ForwardingHeaders.prepareResponse(
                response, requestId, region(), addRegionHeader, keepAlive, clientHttp11 || headRequest);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        lastResponseActivityNanos = now;
        long idleNanos = route.timeouts().idle().toNanos();
        idleTimer = schedule(() -> onIdleTimeout(idleNanos), idleNanos);
        clientCtx.write(response, clientCtx.voidPromise());
    }

    private void onResponseContent(HttpContent content) {
        lastResponseActivityNanos = System.nanoTime();
        if (content instanceof LastHttpContent) {
            complete(clientCtx.writeAndFlush(content));
        } else {
            clientCtx.write(content, clientCtx.voidPromise());
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (finished) {
            return;
        }
        clientCtx.flush();
        UpstreamConnection connection = upstream;
        if (connection != null && clientCtx.channel().isWritable()) {
            connection.channel().read();
        }
    }

    @Override
    public void onUpstreamWritabilityChanged() {
        client.maybeRead();
    }

    @Override
    public void onUpstreamClosed() {
        if (!finished) {
            upstreamBroken(ErrorResponse.UPSTREAM_UNAVAILABLE);
        }
    }

    @Override
    public void onUpstreamError(Throwable cause) {
        if (!finished) {
            log.debug("{} upstream {} failed: {}", clientCtx.channel(), decision.endpoint(), cause.toString());
            upstreamBroken(ErrorResponse.UPSTREAM_UNAVAILABLE);
        }
    }

    // ---- endings -----------------------------------------------------------------------------

    private void onRequestSent() {
        requestSent = true;
        if (!responseStarted && firstByteTimer == null) {
            firstByteTimer = schedule(this::onFirstByteTimeout, route.timeouts().firstByte().toNanos());
        }
    }

    private void complete(ChannelFuture lastWrite) {
        finish();
        UpstreamConnection connection = upstream;
        if (connection != null) {
            if (requestSent && upstreamKeepAlive) {
                connection.pool().release(connection);
            } else {
                connection.discard();
            }
        }
        boolean keepClient = clientKeepAlive && clientDelimited && requestReceived && !client.isDraining();
        if (!keepClient) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
        client.exchangeFinished(keepClient);
    }

    /** The upstream failed: an error response if nothing was sent yet, otherwise the client stream is cut. */
    private void upstreamBroken(ErrorResponse error) {
        fail(error, error == ErrorResponse.UPSTREAM_UNAVAILABLE && !responseStarted
                ? "region " + region() + " closed the connection without answering"
                : null);
    }

    /**
     * Ends the exchange with {@code error}: as an error response when no response byte has been
     * sent yet, otherwise by closing the client connection so the client sees the response cut
     * short instead of a clean end.
     */
    void fail(ErrorResponse error, @Nullable String detail) {
        if (finished) {
            return;
        }
        finishAndDiscardUpstream();
        if (responseStarted) {
            log.debug("{} response from {} cut short: {}", clientCtx.channel(), decision.endpoint(), error);
            clientCtx.flush();
            clientCtx.close();
            client.exchangeFinished(false);
            return;
        }
        // An error can come before the client finished sending (a connect refused at once). A
        // small declared remainder is read and discarded so the connection stays usable; anything
        // else closes it.
        long declared = HttpUtil.getContentLength(request, -1L);
        boolean discardable = declared >= 0 && declared - requestBodyBytes <= MAX_DISCARDED_BODY;
        boolean keepAlive = clientKeepAlive && (requestReceived || discardable);
        client.sendError(error, detail, requestId, keepAlive, !requestReceived);
    }

    /** Ends the exchange and closes its upstream connection, which may hold half an exchange. */
    private void finishAndDiscardUpstream() {
        finish();
        UpstreamConnection connection = upstream;
        if (connection != null) {
            connection.discard();
        }
    }

    private void finish() {
        finished = true;
        decision.endpoint().requestFinished();
        cancel(firstByteTimer);
        cancel(idleTimer);
        cancel(totalTimer);
        firstByteTimer = null;
        idleTimer = null;
        totalTimer = null;
        ArrayDeque<HttpContent> pending = pendingBody;
        if (pending != null) {
            HttpContent content;
            while ((content = pending.pollFirst()) != null) {
                content.release();
            }
            pendingBody = null;
        }
    }

    // ---- timeouts ----------------------------------------------------------------------------

    private void onFirstByteTimeout() {
        firstByteTimer = null;
        if (!finished && !responseStarted) {
            log.debug("{} no response from {} within {}", clientCtx.channel(), decision.endpoint(),
                    route.timeouts().firstByte());
            fail(ErrorResponse.UPSTREAM_TIMEOUT, "region " + region() + " did not answer within "
                    + route.timeouts().firstByte().toMillis() + " ms");
        }
    }

    private void onIdleTimeout(long idleNanos) {
        if (finished) {
            return;
        }
        long quiet = System.nanoTime() - lastResponseActivityNanos;
        if (quiet < idleNanos) {
            idleTimer = schedule(() -> onIdleTimeout(idleNanos), idleNanos - quiet);
            return;
        }
        idleTimer = null;
        fail(ErrorResponse.UPSTREAM_TIMEOUT, null);
    }

    private void onTotalTimeout() {
        totalTimer = null;
        if (!finished) {
            fail(ErrorResponse.UPSTREAM_TIMEOUT, "region " + region() + " did not finish within "
                    + route.timeouts().total().toMillis() + " ms");
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return clientCtx.channel().eventLoop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    private static void cancel(@Nullable ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    Endpoint endpoint() {
        return decision.endpoint();
    }
}
