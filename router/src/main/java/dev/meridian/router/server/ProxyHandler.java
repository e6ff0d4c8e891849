package dev.meridian.router.server;

import dev.meridian.config.RouteConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.exchange.Exchange;
import dev.meridian.router.exchange.ExchangeListener;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.GrpcStatus;
import dev.meridian.router.http.MessageFraming;
import dev.meridian.router.metrics.RequestMeters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy stage, the last of a client channel's pipeline (one per HTTP/1.1 connection or HTTP/2
 * stream): matches each admitted request's route, asks the routing policy where it goes, refuses
 * what has nowhere to go, and runs one {@link Exchange} at a time.
 *
 * <p>The stages in front of it did the rest: {@link RequestValidationHandler} answered malformed
 * requests and handed on each good head as an {@link AdmittedRequest}; {@link ClientContext} knows
 * the client's address; on HTTP/1.1, {@link PipeliningHandler} passes one request at a time. The
 * channel runs with auto-read off; this handler reads only when the current exchange can take more
 * (see {@link #maybeRead()}).
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

    private final Supplier<RouterSnapshot> snapshots;
    private final ProxyResources resources;

    private @Nullable ChannelHandlerContext ctx;
    /** The HTTP/1.1 pipelining stage in front, or {@code null} on an HTTP/2 stream (one request each). */
    private @Nullable PipeliningHandler pipelining;
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
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pipelining = ctx.pipeline().get(PipeliningHandler.class);
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
        if (closing) {
            // Whatever the decoder still hands over after a refusal is never forwarded.
            ReferenceCountUtil.release(msg);
            return;
        }
        Exchange current = exchange;
        if (current != null && current.acceptsRequestContent() && msg instanceof HttpContent) {
            feed(current, (HttpContent) msg);
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
        PipeliningHandler p = pipelining;
        return draining || (p != null && p.lastRequest());
    }

    /** Reads from the client when the current exchange (or the wait for the next request) can take it. */
    @Override
    public void maybeRead() {
        ChannelHandlerContext c = ctx;
        if (c == null || closing) {
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
        boolean keep = keepAlive && !draining;
        if (!keep) {
            closing = true;
        }
        PipeliningHandler p = pipelining;
        if (p != null) {
            // Passes on the next request the client pipelined, if any.
            p.requestFinished(keep);
        }
        if (!keep) {
            return;
        }
        startPending();
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
        boolean keep = keepAlive && !isDraining();
        Refusal.write(c, snapshots.get(), error, detail, requestId, grpc, keep);
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
        if (msg instanceof AdmittedRequest) {
            startExchange((AdmittedRequest) msg);
        } else {
            // Leftovers of a request that was already answered (e.g. its body after a 413).
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(AdmittedRequest admitted) {
        HttpRequest request = admitted.head();
        ChannelHandlerContext c = ctx;
        if (c == null) {
            ReferenceCountUtil.release(request);
            return;
        }
        Refusal refusal = admitted.refusal();
        long startNanos = refusal.startNanos();
        String requestId = refusal.requestId();
        String traceId = admitted.traceId();
        HttpHeaders headers = request.headers();
        ClientContext client = refusal.client();
        RouterSnapshot snapshot = snapshots.get();
        // The table ignores the query and fragment itself, without a substring per request.
        RouteConfig route = snapshot.routes().routeFor(request.uri());
        boolean grpcCall = GrpcStatus.isGrpc(route, request);
        grpc = grpcCall;
        RoutingRequest routing = client.routingRequest(snapshot, headers, route);
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
            refuse(refusal, ErrorResponse.NO_UPSTREAM, traceId, route.name());
            return;
        }
        Exchange started = new Exchange(this, c, request, routing, decision, snapshot, resources, requestId, traceId,
                client.peerText(), startNanos, grpcCall, excluded);
        if (HttpUtil.isTransferEncodingChunked(request)) {
            // A chunked body can still turn out malformed. The upstream hears of the request only
            // at the end of the read that brought its head, once every chunk in that read decoded
            // cleanly, so a malformed body sent with its head never reaches it; a bad chunk in a
            // later read aborts the upstream request (its connection closes before the body is
            // complete). Waiting no longer than the read keeps a client that sends its body only
            // after the response started (full duplex) from waiting forever.
            pending = new PendingExchange(started, refusal, traceId, route.name());
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
        private final Refusal refusal;
        private final String traceId;
        private final String route;
        private final ArrayDeque<HttpContent> parts = new ArrayDeque<>(2);

        PendingExchange(Exchange exchange, Refusal refusal, String traceId, String route) {
            this.exchange = exchange;
            this.refusal = refusal;
            this.traceId = traceId;
            this.route = route;
        }

        void add(HttpContent part) {
            DecoderResult result = part.decoderResult();
            if (result.isFailure()) {
                part.release();
                releaseParts();
                pending = null;
                refuse(refusal, MessageFraming.errorForDecoderFailure(result.cause(), true), traceId, route);
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

    /** Answers a request no upstream saw (logged, {@code Connection: close}; a gRPC status for a gRPC call) and ends it. */
    private void refuse(Refusal refusal, ErrorResponse error, String traceId, String route) {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            refusal.answer(c, snapshots.get(), resources, error, traceId, route, null, grpc);
        }
        exchangeFinished(false);
    }

    private void closeNow() {
        closing = true;
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.close();
        }
    }
}
