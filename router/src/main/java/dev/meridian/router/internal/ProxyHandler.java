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
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
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
public final class ProxyHandler extends ChannelInboundHandlerAdapter {

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
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            // Added after the connection became active (after TLS and ALPN): channelActive will not come.
            ctx.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pipelineOverflow) {
            // The rest of the read that overflowed: every owed request is complete before it.
            ReferenceCountUtil.release(msg);
            return;
        }
        Exchange current = exchange;
        if (current != null && current.acceptsRequestContent() && msg instanceof HttpContent) {
            current.onClientContent((HttpContent) msg);
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
        closing = true;
        Exchange current = exchange;
        exchange = null;
        if (current != null) {
            current.cancel();
        }
        releasePipelined();
        ctx.fireChannelInactive();
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
    boolean isDraining() {
        return draining || (pipelineOverflow && pipelinedRequests == 0);
    }

    /** Reads from the client when the current exchange (or the wait for the next request) can take it. */
    void maybeRead() {
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
    void exchangeFinished(boolean keepAlive) {
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
                current.onClientContent((HttpContent) pipelined.pollFirst());
            }
        }
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
    void sendError(ErrorResponse error, @Nullable String detail, String requestId, boolean keepAlive,
            boolean discardRestOfRequest) {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        snapshots.get().meters().errorResponse(error);
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
        long startNanos = System.nanoTime();
        grpc = false;
        HttpHeaders headers = request.headers();
        String requestId = ForwardingHeaders.requestId(headers);
        InetAddress peer = peerAddress(c);
        Rejection reject = new Rejection(startNanos, requestId, peer, request.method().name(), request.uri());

        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(request);
            reject.answer(errorFor(result.cause()), null, null);
            return;
        }
        String traceId = ForwardingHeaders.traceId(headers);
        // RFC 9112 §6.3: both headers make the framing ambiguous, the classic smuggling vector.
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            ReferenceCountUtil.release(request);
            reject.answer(ErrorResponse.AMBIGUOUS_FRAMING, traceId, null);
            return;
        }
        RouterSnapshot snapshot = snapshots.get();
        MeridianConfig config = snapshot.config();
        ServerConfig server = config.server();
        long contentLength = HttpUtil.getContentLength(request, -1L);
        if (contentLength > server.maxRequestBody()) {
            ReferenceCountUtil.release(request);
            reject.answer(ErrorResponse.BODY_TOO_LARGE, traceId, null);
            return;
        }
        if (headers.contains(HttpHeaderNames.EXPECT)) {
            if (!HttpUtil.is100ContinueExpected(request)) {
                ReferenceCountUtil.release(request);
                reject.answer(ErrorResponse.EXPECTATION_FAILED, traceId, null);
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
                    ErrorResponse.NO_UPSTREAM.status().code(), null, System.nanoTime() - startNanos);
            reject.answer(ErrorResponse.NO_UPSTREAM, traceId, route.name());
            return;
        }
        Exchange started = new Exchange(this, c, request, routing, decision, snapshot, resources, requestId, traceId,
                peer, startNanos, grpcCall, excluded);
        exchange = started;
        started.start();
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

        void answer(ErrorResponse error, @Nullable String traceId, @Nullable String route) {
            AccessLog accessLog = resources.accessLog();
            if (accessLog.enabled()) {
                accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), requestId, traceId, client, method, uri,
                        route, null, null, error.status().code(), 0, -1, System.nanoTime() - startNanos, 0, null));
            }
            sendError(error, null, requestId, false, false);
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

    private static ErrorResponse errorFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return ErrorResponse.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorResponse.HEADERS_TOO_LARGE;
        }
        return ErrorResponse.BAD_REQUEST;
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
