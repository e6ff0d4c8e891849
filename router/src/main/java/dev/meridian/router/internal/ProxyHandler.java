package dev.meridian.router.internal;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.ServerConfig;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the data path, one per client connection: validates each request, matches
 * its route, asks the routing policy where it goes and runs one {@link Exchange} at a time.
 *
 * <p>The client channel runs with auto-read off; this handler reads only when the current
 * exchange can take more (see {@link #maybeRead()}). Requests that a client pipelines behind the
 * current one are held, at most one read's worth and at most {@code server.max-pipelined-requests}
 * of them, and served in order (RFC 9112 §9.3.2). A client that pipelines more gets the responses
 * already owed, the last with {@code Connection: close}, and the connection closes; what it sent
 * beyond the limit is dropped unread.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter implements ExchangeListener {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    /** Fired into every client pipeline when the router drains before shutting down. */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");

    private final Supplier<RouterSnapshot> snapshots;
    private final ProxyResources resources;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>(2);
    /** Requests a client may send ahead of the one being answered (server.max-pipelined-requests). */
    private final int maxPipelinedRequests;
    /** The request heads among {@link #pipelined}. */
    private int pipelinedRequests;
    /** The client pipelined more than allowed: the owed responses go out, then the connection closes. */
    private boolean pipelineOverflow;

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable Exchange exchange;
    /** A chunked request whose upstream start waits until the rest of the current read decoded cleanly. */
    private @Nullable PendingExchange pending;
    private boolean draining;
    private boolean closing;
    /** The rest of an answered request's body is being read and dropped. */
    private boolean discardingBody;
    /** The request being answered is a gRPC call: Meridian's own errors go out as gRPC statuses. */
    private boolean grpc;

    public ProxyHandler(Supplier<RouterSnapshot> snapshots, ProxyResources resources) {
        this.snapshots = snapshots;
        this.resources = resources;
        this.maxPipelinedRequests = snapshots.get().config().server().maxPipelinedRequests();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Taken out while the connection lives on (a switch to HTTP/2): nothing may be left running.
        abandon();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || pipelineOverflow) {
            // Whatever the decoder still hands over after a refusal is never forwarded; after a
            // pipeline overflow, every owed request is complete before the rest of the read.
            ReferenceCountUtil.release(msg);
            return;
        }
        Exchange current = exchange;
        if (current != null && current.acceptsRequestContent() && msg instanceof HttpContent) {
            feed(current, (HttpContent) msg);
        } else if (current != null || !pipelined.isEmpty()) {
            if (msg instanceof HttpRequest) {
                if (pipelinedRequests >= maxPipelinedRequests) {
                    ReferenceCountUtil.release(msg);
                    pipelineOverflow = true;
                    log.debug("{} more than {} pipelined requests; closing after the responses owed",
                            ctx.channel(), maxPipelinedRequests);
                    return;
                }
                pipelinedRequests++;
            }
            pipelined.addLast(msg);
        } else {
            dispatch(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        startPending();
        Exchange current = exchange;
        if (current != null) {
            current.onClientReadComplete();
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange current = exchange;
        if (current != null) {
            current.onClientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abandon();
        ctx.fireChannelInactive();
    }

    /** The client is gone (or this handler left its pipeline): cancel what runs, release what is held. Idempotent. */
    private void abandon() {
        closing = true;
        PendingExchange waiting = pending;
        pending = null;
        if (waiting != null) {
            waiting.releaseParts();
        }
        Exchange current = exchange;
        exchange = null;
        if (current != null) {
            current.cancel();
        }
        releasePipelined();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (exchange == null) {
                log.debug("{} idle keep-alive connection closed", ctx.channel());
                closeNow();
            }
            return;
        }
        if (evt == DRAIN) {
            draining = true;
            if (exchange == null) {
                closeNow();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("{} client connection error: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("{} unexpected error on client connection; closing it", ctx.channel(), cause);
        }
        closeNow();
    }

    /** Whether the current exchange is the connection's last: the router drains, or the pipeline overflowed. */
    @Override
    public boolean isDraining() {
        return draining || (pipelineOverflow && pipelinedRequests == 0);
    }

    /** Reads from the client when the current exchange (or the wait for the next request) can take it. */
    @Override
    public void maybeRead() {
        ChannelHandlerContext c = ctx;
        if (c == null || closing || pipelineOverflow || !pipelined.isEmpty()) {
            return;
        }
        Exchange current = exchange;
        if (current == null || current.wantsClientRead()) {
            c.read();
        }
    }

    /** Called by the exchange when it ended, after its last write. */
    @Override
    public void exchangeFinished(boolean keepAlive) {
        exchange = null;
        if (!keepAlive || draining) {
            closing = true;
            releasePipelined();
            return;
        }
        Object next;
        while (exchange == null && !closing && (next = pipelined.pollFirst()) != null) {
            if (next instanceof HttpRequest) {
                pipelinedRequests--;
            }
            dispatch(next);
            Exchange current = exchange;
            while (current != null && current.acceptsRequestContent()
                    && pipelined.peekFirst() instanceof HttpContent) {
                feed(current, (HttpContent) pipelined.pollFirst());
                current = exchange;
            }
        }
        startPending();
        ChannelHandlerContext c = ctx;
        if (pipelineOverflow && exchange == null && !closing && c != null) {
            // Every owed response is written; close once they are flushed.
            closing = true;
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        maybeRead();
    }

    /**
     * Answers with Meridian's own error response, then keeps or closes the connection.
     *
     * @param discardRestOfRequest whether the request's body is still arriving and must be read and
     *     dropped before the next request (only meaningful with {@code keepAlive})
     */
    @Override
    public void sendError(ErrorResponse error, @Nullable String detail, String requestId, boolean keepAlive,
            boolean discardRestOfRequest) {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        snapshots.get().meters().errorResponse(error);
        RefusalLog.answered(c.channel(), requestId, error, detail);
        FullHttpResponse response = grpc ? GrpcStatus.response(error, detail)
                : detail == null ? error.toResponse(c.alloc()) : error.toResponse(c.alloc(), detail);
        response.headers().set(ForwardingHeaders.X_REQUEST_ID, requestId);
        boolean keep = keepAlive && !isDraining();
        if (!keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var written = c.writeAndFlush(response);
        if (!keep) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        discardingBody = keep && discardRestOfRequest;
        exchangeFinished(keep);
    }

    private void dispatch(Object msg) {
        PendingExchange waiting = pending;
        if (waiting != null && msg instanceof HttpContent) {
            waiting.add((HttpContent) msg);
            return;
        }
        if (discardingBody && msg instanceof HttpContent) {
            discardingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpRequest) {
            // A whole request in one message (an HTTP/2 stream whose HEADERS ended it, or an h2c
            // upgrade request): the exchange takes the head, then the body as its last part.
            FullHttpRequest full = (FullHttpRequest) msg;
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            startExchange(head);
            Exchange current = exchange;
            if (current != null && current.acceptsRequestContent()) {
                current.onClientContent(last);
            } else {
                last.release();
            }
        } else if (msg instanceof HttpRequest) {
            startExchange((HttpRequest) msg);
        } else {
            // Leftovers of a request that was already answered (e.g. its body after a 413).
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest request) {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            ReferenceCountUtil.release(request);
            return;
        }
        long startNanos = resources.nanoClock().getAsLong();
        grpc = false;
        HttpHeaders headers = request.headers();
        String requestId = ForwardingHeaders.requestId(headers);
        InetAddress peer = peerAddress(c);
        Rejection reject = new Rejection(startNanos, requestId, peer, request.method().name(), request.uri());

        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(request);
            reject.answer(MessageFraming.errorForDecoderFailure(result.cause(), false), null, null, null);
            return;
        }
        String traceId = ForwardingHeaders.traceId(headers);
        RouterSnapshot snapshot = snapshots.get();
        MeridianConfig config = snapshot.config();
        ServerConfig server = config.server();
        // Anything two parsers could read differently is refused before it can reach an upstream.
        MessageFraming.Problem problem = MessageFraming.checkRequest(request, server.hosts());
        if (problem != null) {
            ReferenceCountUtil.release(request);
            reject.answer(problem.error(), traceId, null, problem.detail());
            return;
        }
        long contentLength = HttpUtil.getContentLength(request, -1L);
        if (contentLength > server.maxRequestBody()) {
            ReferenceCountUtil.release(request);
            reject.answer(ErrorResponse.BODY_TOO_LARGE, traceId, null, null);
            return;
        }
        if (headers.contains(HttpHeaderNames.EXPECT)) {
            if (!HttpUtil.is100ContinueExpected(request)) {
                ReferenceCountUtil.release(request);
                reject.answer(ErrorResponse.EXPECTATION_FAILED, traceId, null, null);
                return;
            }
            // Answer the expectation here; the upstream gets the body without waiting.
            c.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE),
                    c.voidPromise());
        }

        RouteConfig route = snapshot.routeFor(pathOf(request.uri()));
        boolean grpcCall = GrpcStatus.isGrpc(route, request);
        grpc = grpcCall;
        RoutingRequest routing = routingRequest(snapshot, headers, peer, route);
        resources.recentRequests().offer(routing);
        RoutingDecision decision = snapshot.policy().decide(routing);
        List<Endpoint> excluded = List.of();
        if (grpcCall) {
            // gRPC needs HTTP/2 end to end: HTTP/1.1 regions are never tried.
            excluded = http1Endpoints(snapshot);
            if (decision != null && !decision.region().config().protocol().isHttp2()) {
                decision = snapshot.policy().decideRetry(routing, excluded);
            }
        }
        if (decision == null) {
            // The request body (if any) is not read, so the connection cannot be reused.
            ReferenceCountUtil.release(request);
            snapshot.meters().cell(route, RequestMeters.NO_REGION).request(
                    ErrorResponse.NO_UPSTREAM.status().code(), null, resources.nanoClock().getAsLong() - startNanos);
            reject.answer(ErrorResponse.NO_UPSTREAM, traceId, route.name(), null);
            return;
        }
        Exchange started = new Exchange(this, c, request, routing, decision, snapshot, resources, requestId, traceId,
                peer, startNanos, grpcCall, excluded);
        if (HttpUtil.isTransferEncodingChunked(request)) {
            // A chunked body can still turn out malformed. The upstream hears of the request only
            // at the end of the read that brought its head, once every chunk in that read decoded
            // cleanly, so a malformed body sent with its head never reaches it; a bad chunk in a
            // later read aborts the upstream request (its connection closes before the body is
            // complete). Waiting no longer than the read keeps a client that sends its body only
            // after the response started (full duplex) from waiting forever.
            pending = new PendingExchange(started, reject, traceId, route.name());
            return;
        }
        exchange = started;
        started.start();
    }

    /** Hands a body part to the exchange, or ends the exchange when the part did not decode (RFC 9112 §7.1). */
    private void feed(Exchange current, HttpContent content) {
        DecoderResult result = content.decoderResult();
        if (result.isFailure()) {
            content.release();
            current.fail(MessageFraming.errorForDecoderFailure(result.cause(), true), null);
            return;
        }
        current.onClientContent(content);
    }

    /** Starts the pending exchange with the body parts it collected, all of which decoded cleanly. */
    private void startPending() {
        PendingExchange waiting = pending;
        if (waiting == null) {
            return;
        }
        pending = null;
        exchange = waiting.exchange;
        waiting.exchange.start();
        HttpContent part;
        while ((part = waiting.parts.pollFirst()) != null) {
            // Once the exchange has ended (a synchronous failure), it releases what it is given.
            waiting.exchange.onClientContent(part);
        }
    }

    /** A chunked request, routed but not started until the end of the current read, collecting its body parts. */
    private final class PendingExchange {
        private final Exchange exchange;
        private final Rejection reject;
        private final String traceId;
        private final String route;
        private final ArrayDeque<HttpContent> parts = new ArrayDeque<>(2);

        PendingExchange(Exchange exchange, Rejection reject, String traceId, String route) {
            this.exchange = exchange;
            this.reject = reject;
            this.traceId = traceId;
            this.route = route;
        }

        void add(HttpContent part) {
            DecoderResult result = part.decoderResult();
            if (result.isFailure()) {
                part.release();
                releaseParts();
                pending = null;
                reject.answer(MessageFraming.errorForDecoderFailure(result.cause(), true), traceId, route, null);
                return;
            }
            parts.addLast(part);
            if (part instanceof LastHttpContent) {
                startPending();
            }
        }

        void releaseParts() {
            HttpContent part;
            while ((part = parts.pollFirst()) != null) {
                part.release();
            }
        }
    }

    private static List<Endpoint> http1Endpoints(RouterSnapshot snapshot) {
        List<Endpoint> out = new ArrayList<>();
        for (Region region : snapshot.policy().table().regions()) {
            if (!region.config().protocol().isHttp2()) {
                out.addAll(region.endpoints());
            }
        }
        return out;
    }

    /** A request Meridian answers itself before any upstream sees it: logged, answered, connection closed. */
    private final class Rejection {
        private final long startNanos;
        private final String requestId;
        private final InetAddress client;
        private final String method;
        private final String uri;

        Rejection(long startNanos, String requestId, InetAddress client, String method, String uri) {
            this.startNanos = startNanos;
            this.requestId = requestId;
            this.client = client;
            this.method = method;
            this.uri = uri;
        }

        void answer(ErrorResponse error, @Nullable String traceId, @Nullable String route, @Nullable String detail) {
            AccessLog accessLog = resources.accessLog();
            if (accessLog.enabled()) {
                accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), requestId, traceId, client, method, uri,
                        route, null, null, error.status().code(), 0, -1, resources.nanoClock().getAsLong() - startNanos, 0, null));
            }
            sendError(error, detail, requestId, false, false);
        }
    }

    private void closeNow() {
        closing = true;
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.close();
        }
    }

    private void releasePipelined() {
        Object msg;
        while ((msg = pipelined.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
        pipelinedRequests = 0;
    }

    /**
     * What the routing policy needs to know: the client's address (believing forwarding headers
     * only from trusted proxies), its location (a trusted location header, else GeoIP, else
     * unknown) and, on sticky routes, the tenant.
     */
    private static RoutingRequest routingRequest(
            RouterSnapshot snapshot, HttpHeaders headers, InetAddress peer, RouteConfig route) {
        ClientAddressResolver clients = snapshot.clients();
        InetAddress client = peer;
        ClientLocation location = null;
        if (clients.isTrusted(peer)) {
            client = clients.resolve(peer, headers.getAll(FORWARDED), headers.getAll(ForwardingHeaders.X_FORWARDED_FOR));
            for (String name : snapshot.config().geo().locationHeaders()) {
                String value = headers.get(name);
                if (value != null && (location = ClientLocation.parseHeader(value)) != null) {
                    break;
                }
            }
        }
        if (location == null) {
            location = snapshot.geo().locate(client);
        }
        String stickyHeader = route.stickyHeader();
        String tenant = stickyHeader == null ? null : headers.get(stickyHeader);
        return new RoutingRequest(client, location, route, tenant);
    }

    /** The socket peer, or the source a PROXY protocol header gave. */
    private static InetAddress peerAddress(ChannelHandlerContext ctx) {
        Channel connection = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
        InetAddress proxied = ProxyProtocolHandler.source(connection);
        if (proxied != null) {
            return proxied;
        }
        if (connection.remoteAddress() instanceof InetSocketAddress) {
            InetSocketAddress remote = (InetSocketAddress) connection.remoteAddress();
            InetAddress address = remote.getAddress();
            if (address != null) {
                return address;
            }
        }
        return InetAddress.getLoopbackAddress();
    }

    private static String pathOf(String uri) {
        int end = uri.length();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return uri.substring(0, end);
    }
}
