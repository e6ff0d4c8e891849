package dev.meridian.router.exchange;

import dev.meridian.config.RouteConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.health.Outcome;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.http.GrpcStatus;
import dev.meridian.router.http.MessageFraming;
import dev.meridian.router.http.StreamEnding;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RequestMeters;
import dev.meridian.router.upstream.UpstreamConnection;
import dev.meridian.router.upstream.UpstreamPool;
import dev.meridian.router.upstream.UpstreamPools;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request and its response, sent upstream in one or more attempts.
 *
 * <p>Everything runs on the client connection's event loop, which is also the loop of every
 * upstream connection the exchange uses. Bodies stream both ways one chunk at a time: the request
 * body is read from the client only while the upstream is writable, the response only while the
 * client is writable. Nothing is aggregated. The one deliberate buffer is the replay buffer: the
 * request body parts sent so far, kept (as retained buffers) while they total at most
 * {@code retries.replay-buffer}, so that a failed attempt can be repeated elsewhere.
 *
 * <p>An attempt that fails before any response byte went to the client is retried when the
 * outcome is retryable (connection refused or timed out, reset before response headers, 502, 503,
 * 504, 429), the route allows another attempt, the request can be repeated (it was never sent, or
 * its body is in the replay buffer and the method is idempotent or the route says retrying it is
 * safe) and the shared {@link RetryBudget} has room (a request that was never sent adds no
 * upstream load when repeated and is not charged). The retry goes to another region when one is
 * available, else to another endpoint. After the first response byte nothing is retried: a broken
 * upstream ends an SSE stream with a final {@code event: error}, an NDJSON stream with a final
 * error line, and any other response by closing the connection so the client can tell.
 *
 * <p>No attempt goes to a region this request already saw fail (unless it is the only region that
 * can take requests), nor to an endpoint already tried. An attempt still waiting for its first
 * byte when its endpoint or region is declared down (probes, ejection, breaker, stall) is
 * <em>rescued</em>: cancelled and sent elsewhere at once under a retry's rules ({@link AttemptPolicy},
 * {@code retry.rescue}), counted as a retry with reason {@code rescued}. While it waits it is in
 * its loop's {@link WaitingAttempts}, which also feeds stall detection.
 *
 * <p>Hedging (per route, off by default): when no response headers arrived within a delay (fixed,
 * or the region's live p95 time to first byte), a second attempt goes to the next-best region
 * while the first keeps running; the first response headers win and the other attempt is
 * cancelled, its connection closed rather than returned to the pool half-used. Hedges spend the
 * same {@link RetryBudget} as retries.
 *
 * <p>Every path ends in exactly one of {@link #complete}, {@link #fail} or {@link #cancel}, which
 * release what the exchange holds, end its upstream leases and tell the connection through its
 * {@link ExchangeListener}. What the exchange leaves behind (each attempt's outcome for health and
 * the metrics, the time to first byte, the request's line in the metrics and the access log) goes
 * through its {@link ExchangeRecorder}, called where an attempt or the exchange ends.
 */
public final class Exchange implements ExchangeTimer.Listener {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Unread request body Meridian reads and drops after an early error to keep the connection. */
    private static final long MAX_DISCARDED_BODY = 64 * 1024;

    /** The connection the exchange runs on: the one contract back to it. */
    private final ExchangeListener client;
    private final ChannelHandlerContext clientCtx;
    private final HttpRequest request;
    private final RouteConfig route;
    private final String requestId;
    private final String clientAddress;
    private final String scheme;
    private final long maxRequestBody;
    private final long replayLimit;
    private final boolean addRegionHeader;
    private final boolean clientKeepAlive;
    private final boolean clientHttp11;
    private final boolean headRequest;
    private final HealthRegistry health;
    private final UpstreamPools pools;
    /** What to do after each attempt's outcome; keeps the request's attempt history. */
    private final AttemptPolicy attemptPolicy;
    /** Where attempts' outcomes, the time to first byte and the request's end are recorded. */
    private final ExchangeRecorder recorder;
    /** The one clock of the data path's logic (monotonic nanoseconds). */
    private final LongSupplier clock;
    private final WaitingAttempts waiting;
    private final RegionStalls stalls;
    /**
     * A gRPC call: ended with gRPC trailers when its region breaks, counted by grpc-status. Like any
     * POST it is repeated elsewhere only when the region did not process it (refused connection or
     * stream, GOAWAY), unless the route allows retrying non-idempotent requests.
     */
    private final boolean grpc;

    // The request body received so far, owned here: kept for replay while it fits, and as the
    // pending parts while no upstream connection is attached.
    private final ArrayDeque<HttpContent> body = new ArrayDeque<>(4);
    private boolean keepBody = true;
    private long requestBodyBytes;
    private boolean requestReceived;

    // The attempts: the main one (whose response streams once it starts) and at most one hedge.
    private Attempt attempt;
    private @Nullable Attempt hedge;

    // The response.
    private boolean responseStarted;
    private boolean skippingInformational;
    private boolean upstreamKeepAlive;
    private boolean clientDelimited = true;
    private StreamEnding ending = StreamEnding.CLOSE;
    private long lastResponseActivityNanos;
    private boolean finished;

    /** The deadlines (first byte, hedge, idle, total) behind one task on the loop. */
    private final ExchangeTimer timer;

    public Exchange(
            ExchangeListener client,
            ChannelHandlerContext clientCtx,
            HttpRequest request,
            RoutingRequest routing,
            RoutingDecision decision,
            RouterSnapshot snapshot,
            ProxyResources resources,
            String requestId,
            String traceId,
            String clientAddress,
            long startNanos,
            boolean grpc,
            List<Endpoint> excluded) {
        this.client = client;
        this.grpc = grpc;
        this.recorder = ExchangeRecorder.of(snapshot, resources, routing, request, requestId, traceId, startNanos);
        this.clock = resources.nanoClock();
        this.timer = new ExchangeTimer(clientCtx.channel().eventLoop(), clock, this);
        this.waiting = resources.rescuer().waiting(clientCtx.channel().eventLoop());
        this.stalls = snapshot.stalls();
        this.clientCtx = clientCtx;
        this.request = request;
        this.route = routing.route();
        this.attempt = new Attempt(decision, false);
        this.requestId = requestId;
        this.clientAddress = clientAddress;
        this.scheme = resources.scheme();
        this.maxRequestBody = snapshot.config().server().maxRequestBody();
        this.replayLimit = snapshot.config().retries().replayBuffer();
        this.addRegionHeader = snapshot.config().server().regionHeader();
        this.health = snapshot.health();
        this.pools = resources.pools();
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.clientHttp11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        this.headRequest = HttpMethod.HEAD.equals(request.method());
        this.attemptPolicy = new AttemptPolicy(snapshot.policy(), routing, resources.budget(),
                AttemptPolicy.repeatSafe(request.method(), route), excluded);
    }

    /** Starts the exchange: arms the total timeout and sends the first attempt. */
    public void start() {
        recorder.requestStarted();
        ForwardingHeaders.prepareRequest(request, clientAddress, scheme, requestId);
        timer.setIn(ExchangeTimer.Deadline.TOTAL, route.timeouts().total().toNanos());
        startAttempt(attempt);
    }

    private void startAttempt(Attempt next) {
        attemptPolicy.attemptStarted();
        next.startedNanos = clock.getAsLong();
        next.decision.endpoint().requestStarted();
        if (!stalls.of(next.decision.region()).admits(next.startedNanos)) {
            // Silent past its p99 with max-waiting attempts late: a hung region soaks up nothing more.
            next.onAcquireFailed(UpstreamPool.AcquireFailure.OVERLOADED, new IllegalStateException(
                    "region " + next.decision.region().name() + " has not answered for longer than its p99 "
                            + "and holds health.stall.max-waiting late attempts"));
            return;
        }
        UpstreamPool pool = pools.pool(clientCtx.channel().eventLoop(), next.decision.endpoint());
        pool.acquire(next, route.timeouts().connect().toMillis());
    }

    String region() {
        return attempt.decision.region().name();
    }

    /** Whether body parts from the client still belong to this exchange. */
    public boolean acceptsRequestContent() {
        return !requestReceived && !finished;
    }

    /** Whether the client connection should be read now. */
    public boolean wantsClientRead() {
        if (finished) {
            return false;
        }
        if (requestReceived) {
            // Keep a read pending to notice a client that leaves; a pipelined request is queued.
            return true;
        }
        UpstreamConnection connection = attempt.upstream;
        return connection != null && connection.channel().isWritable();
    }

    // ---- client side ------------------------------------------------------------------------

    /** A part of the request body. The exchange owns it from here on. */
    public void onClientContent(HttpContent content) {
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
        // A hedge starts only once the request was sent whole, so body parts go to the main attempt.
        UpstreamConnection connection = attempt.upstream;
        if (connection == null) {
            body.add(content);
            return;
        }
        Channel channel = connection.channel();
        if (keepBody && requestBodyBytes <= replayLimit) {
            body.add(content);
            channel.write(content.retainedDuplicate(), channel.voidPromise());
        } else {
            // Too big to replay: from here on it streams through and the request is not retried.
            dropReplayBuffer();
            channel.write(content, channel.voidPromise());
        }
        if (last) {
            onRequestSent(attempt);
        }
    }

    public void onClientReadComplete() {
        UpstreamConnection connection = attempt.upstream;
        if (connection != null && !finished) {
            connection.channel().flush();
        }
    }

    public void onClientWritabilityChanged() {
        UpstreamConnection connection = attempt.upstream;
        if (connection != null && !finished && clientCtx.channel().isWritable()) {
            connection.channel().read();
        }
    }

    /** The client connection closed: the upstream exchange is cancelled, not counted as its failure. */
    public void cancel() {
        if (finished) {
            return;
        }
        if (grpc) {
            recorder.grpcStatus(attempt.decision, 1); // CANCELLED: the client left
        }
        for (Attempt live : liveAttempts()) {
            if (live.upstream != null) {
                record(live, Outcome.CANCELLED, clock.getAsLong() - live.startedNanos, null);
            }
        }
        finish();
        log.debug("{} client left; cancelled exchange with {}", clientCtx.channel(), attempt.decision.endpoint());
    }

    // ---- upstream side -----------------------------------------------------------------------

    /**
     * One attempt: a lease on one upstream connection for this exchange. Its callbacks run on the
     * exchange's loop; one that is no longer live (lost to a hedge, or retried) ignores them.
     */
    private final class Attempt extends WaitingAttempt implements UpstreamPool.Lease {
        final RoutingDecision decision;
        final boolean isHedge;
        @Nullable UpstreamConnection upstream;
        boolean requestSent;
        boolean ended;
        /** Whether its outcome went into the attempt counters (once, whatever happens later). */
        boolean counted;
        long startedNanos;
        long writtenNanos;

        Attempt(RoutingDecision decision, boolean isHedge) {
            this.decision = decision;
            this.isHedge = isHedge;
        }

        @Override
        public boolean isCancelled() {
            return finished || ended;
        }

        @Override
        public void onAcquired(UpstreamConnection connection) {
            if (isCancelled()) {
                connection.pool().release(connection);
                return;
            }
            upstream = connection;
            attached(this);
        }

        @Override
        public void onAcquireFailed(UpstreamPool.AcquireFailure failure, Throwable cause) {
            if (!isCancelled()) {
                acquireFailed(this, failure, cause);
            }
        }

        @Override
        public void onUpstreamMessage(Object msg) {
            if (isCancelled()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            upstreamMessage(this, msg);
        }

        @Override
        public void onUpstreamReadComplete() {
            if (!isCancelled()) {
                upstreamReadComplete(this);
            }
        }

        @Override
        public void onUpstreamWritabilityChanged() {
            if (!isCancelled()) {
                client.maybeRead();
            }
        }

        @Override
        public void onUpstreamClosed() {
            if (!isCancelled()) {
                upstreamBroken(this, ErrorResponse.UPSTREAM_UNAVAILABLE);
            }
        }

        @Override
        public void onUpstreamError(Throwable cause) {
            if (!isCancelled()) {
                log.debug("{} upstream {} failed: {}", clientCtx.channel(), decision.endpoint(), cause.toString());
                upstreamBroken(this, ErrorResponse.UPSTREAM_UNAVAILABLE);
            }
        }

        @Override
        public void onUpstreamRefused(Throwable cause) {
            if (!isCancelled()) {
                upstreamRefused(this, cause);
            }
        }

        @Override
        Endpoint endpoint() {
            return decision.endpoint();
        }

        @Override
        Region region() {
            return decision.region();
        }

        @Override
        boolean outOfRotation() {
            return !health.isAvailable(decision.endpoint()) || !health.admits(decision.region());
        }

        @Override
        void rescue(String why) {
            if (!isCancelled()) {
                rescued(this, why);
            }
        }

        /** Ends this attempt: its connection closes (it may hold half an exchange). */
        void end() {
            if (ended) {
                return;
            }
            ended = true;
            waiting.remove(this);
            decision.endpoint().requestFinished();
            UpstreamConnection connection = upstream;
            upstream = null;
            if (connection != null) {
                connection.discard();
            }
        }
    }

    private List<Attempt> liveAttempts() {
        Attempt h = hedge;
        return h == null ? List.of(attempt) : List.of(attempt, h);
    }

    /** Writes the request (head and whatever body has arrived) on a newly acquired connection. */
    private void attached(Attempt a) {
        UpstreamConnection connection = a.upstream;
        if (connection == null) {
            return;
        }
        a.writtenNanos = clock.getAsLong();
        waiting.add(a, stalls.of(a.decision.region()), a.writtenNanos);
        Channel channel = connection.channel();
        channel.write(request, channel.voidPromise());
        if (keepBody) {
            for (HttpContent part : body) {
                channel.write(part.retainedDuplicate(), channel.voidPromise());
            }
            if (requestBodyBytes > replayLimit) {
                dropReplayBuffer();
            }
        } else {
            HttpContent part;
            while ((part = body.pollFirst()) != null) {
                channel.write(part, channel.voidPromise());
            }
        }
        channel.flush();
        if (requestReceived) {
            onRequestSent(a);
        }
        channel.read();
        client.maybeRead();
    }

    private void acquireFailed(Attempt a, UpstreamPool.AcquireFailure failure, Throwable cause) {
        log.debug("{} no connection to {}: {}", clientCtx.channel(), a.decision.endpoint(), cause.toString());
        attemptFailed(a, AttemptPolicy.Failure.of(failure), null);
    }

    private void upstreamMessage(Attempt a, Object msg) {
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                upstreamBroken(a, ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            MessageFraming.Problem problem = MessageFraming.checkResponse(response);
            if (problem != null) {
                log.debug("{} invalid response from {} to {}: {}", clientCtx.channel(), a.decision.endpoint(),
                        requestId, problem.detail());
                ReferenceCountUtil.release(msg);
                upstreamBroken(a, ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            // The region answers: the attempt no longer waits (whatever the status says).
            waiting.remove(a);
            stalls.of(a.decision.region()).answered(clock.getAsLong());
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 1xx interim responses are not forwarded: Meridian answered Expect itself and
                // never forwards Upgrade. Drop it and the empty last content that follows (an
                // HTTP/2 region's 1xx arrives whole, as one FullHttpResponse, with nothing after it).
                skippingInformational = !(msg instanceof FullHttpResponse);
                ReferenceCountUtil.release(msg);
                return;
            }
            if (recordStatusAndRetryIfWorthIt(a, response)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            win(a);
            if (msg instanceof FullHttpResponse) {
                // A whole response in one message: from an HTTP/2 region, HEADERS that end the
                // stream (a gRPC trailers-only response). It goes to the client as one message too,
                // so an HTTP/2 client gets one HEADERS frame, as the gRPC protocol requires.
                FullHttpResponse full = (FullHttpResponse) msg;
                onResponseHead(full, false);
                onResponseContent(full);
            } else {
                onResponseHead(response, true);
            }
            return;
        }
        if (msg instanceof HttpContent) {
            HttpContent content = (HttpContent) msg;
            if (skippingInformational || a != attempt || !responseStarted) {
                if (content instanceof LastHttpContent) {
                    skippingInformational = false;
                }
                content.release();
                return;
            }
            if (content.decoderResult().isFailure()) {
                content.release();
                upstreamBroken(a, ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            onResponseContent(content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /** {@code a}'s response headers came first: it becomes the attempt that streams, any other is cancelled. */
    private void win(Attempt a) {
        Attempt other = a == attempt ? hedge : attempt;
        hedge = null;
        attempt = a;
        timer.clear(ExchangeTimer.Deadline.HEDGE);
        if (other != null) {
            record(other, Outcome.CANCELLED, clock.getAsLong() - other.startedNanos, null);
            Attempt hedgeAttempt = a.isHedge ? a : other;
            recorder.hedgeEnded(hedgeAttempt.decision, a.isHedge ? RequestMeters.HedgeResult.WON : RequestMeters.HedgeResult.LOST);
            other.end();
            log.debug("{} {} answered first; cancelled the attempt on {}", clientCtx.channel(),
                    a.decision.endpoint(), other.decision.endpoint());
        }
    }

    /**
     * Records the attempt's outcome from its response status and, when the status says another
     * region may do better (502, 503, 504, 429), starts a retry (or carries on with the other live
     * attempt) if allowed.
     *
     * @return whether a retry or the other attempt took over: then the response is dropped, not forwarded
     */
    private boolean recordStatusAndRetryIfWorthIt(Attempt a, HttpResponse response) {
        int status = response.status().code();
        long sinceWritten = clock.getAsLong() - a.writtenNanos;
        AttemptPolicy.Failure failure = AttemptPolicy.Failure.ofStatus(status);
        if (failure == null) {
            record(a, AttemptPolicy.outcomeOf(status), sinceWritten, null);
            return false;
        }
        record(a, failure.outcome, sinceWritten,
                failure == AttemptPolicy.Failure.RATE_LIMITED ? ExchangeRecorder.retryAfter(response) : null);
        return retryOrSwitchToOtherAttempt(a, failure);
    }

    private void onResponseHead(HttpResponse response, boolean write) {
        timer.clear(ExchangeTimer.Deadline.FIRST_BYTE);
        responseStarted = true;
        long now = recorder.firstByte(attempt.decision, response.status().code(), attempt.writtenNanos);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        // Nothing is retried once the response started: the replay buffer has served its purpose.
        dropReplayBuffer();
        boolean keepAlive = clientKeepAlive && !client.isDraining();
        clientDelimited = ForwardingHeaders.prepareResponse(
                response, requestId, region(), addRegionHeader, keepAlive, clientHttp11 || headRequest);
        ending = StreamEnding.of(grpc, response.headers().get(HttpHeaderNames.CONTENT_TYPE),
                HttpUtil.isTransferEncodingChunked(response));
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        lastResponseActivityNanos = now;
        timer.setIn(ExchangeTimer.Deadline.IDLE, route.timeouts().idle().toNanos());
        if (write) {
            clientCtx.write(response, clientCtx.voidPromise());
        }
    }

    private void onResponseContent(HttpContent content) {
        lastResponseActivityNanos = clock.getAsLong();
        recorder.responseBytes(content.content().readableBytes());
        if (content instanceof LastHttpContent) {
            complete((LastHttpContent) content);
        } else {
            clientCtx.write(content, clientCtx.voidPromise());
        }
    }

    private void upstreamReadComplete(Attempt a) {
        if (a != attempt || !responseStarted) {
            // Still waiting for headers: keep reading.
            UpstreamConnection connection = a.upstream;
            if (connection != null) {
                connection.channel().read();
            }
            return;
        }
        clientCtx.flush();
        UpstreamConnection connection = a.upstream;
        if (connection != null && clientCtx.channel().isWritable()) {
            connection.channel().read();
        }
    }

    // ---- retries and hedges ------------------------------------------------------------------

    /**
     * Attempt {@code a} failed before any response byte reached the client: the other live
     * attempt carries on if there is one, else retry when allowed, else end the exchange with the
     * failure's error.
     */
    private void attemptFailed(Attempt a, AttemptPolicy.Failure failure, @Nullable Duration retryAfter) {
        record(a, failure.outcome, clock.getAsLong() - a.startedNanos, retryAfter);
        if (!retryOrSwitchToOtherAttempt(a, failure)) {
            ErrorResponse error = failure.error;
            fail(error != null ? error : ErrorResponse.UPSTREAM_UNAVAILABLE, failure.detail(a.decision.region().name()));
        }
    }

    /**
     * Ends failed attempt {@code a} and carries on without it, as the {@link AttemptPolicy} says:
     * with the other live attempt, or by starting a retry. {@code false}: neither, and the caller
     * ends the exchange.
     */
    private boolean retryOrSwitchToOtherAttempt(Attempt a, AttemptPolicy.Failure failure) {
        Attempt other = a == attempt ? hedge : attempt;
        AttemptPolicy.Decision decision = attemptPolicy.afterFailure(a.decision.endpoint(), a.decision.region().name(),
                failure, other != null && !other.ended, responseStarted, keepBody);
        switch (decision.action()) {
            case CARRY_ON_WITH_OTHER -> {
                carryOnWithOther(a, other);
                return true;
            }
            case RESEND -> {
                RoutingDecision next = requireNext(decision);
                recorder.retried(a.decision, next, failure.outcome);
                log.debug("{} retrying {} on {} after {}", clientCtx.channel(), requestId, next.endpoint(),
                        a.decision.endpoint());
                replace(a, next);
                return true;
            }
            case BUDGET_SPENT -> {
                recorder.retryRefused();
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    /** The race is decided: the hedge lost if {@code a} (the hedge) failed, won if the first attempt did. */
    private void carryOnWithOther(Attempt a, @Nullable Attempt other) {
        Attempt hedgeAttempt = a.isHedge ? a : other;
        if (hedgeAttempt != null) {
            recorder.hedgeEnded(hedgeAttempt.decision, a.isHedge ? RequestMeters.HedgeResult.LOST : RequestMeters.HedgeResult.WON);
        }
        a.end();
        if (other != null) {
            attempt = other;
        }
        hedge = null;
    }

    private static RoutingDecision requireNext(AttemptPolicy.Decision decision) {
        RoutingDecision next = decision.next();
        if (next == null) {
            throw new IllegalStateException(decision.action() + " without a destination");
        }
        return next;
    }

    /** Ends attempt {@code a} (and any hedge) and sends the request to {@code next} as the one attempt. */
    private void replace(Attempt a, RoutingDecision next) {
        a.end();
        timer.clear(ExchangeTimer.Deadline.FIRST_BYTE);
        attempt = new Attempt(next, false);
        hedge = null;
        startAttempt(attempt);
    }

    /**
     * Attempt {@code a} waits for its first byte on an endpoint or region declared down ({@code why}):
     * carry on with the other live attempt, or send the request elsewhere now as a retry, or leave
     * it to its timeouts, as the {@link AttemptPolicy} says.
     */
    private void rescued(Attempt a, String why) {
        if (finished || (a != attempt && a != hedge)) {
            return;
        }
        Attempt other = a == attempt ? hedge : attempt;
        AttemptPolicy.Decision decision = attemptPolicy.whenStuck(a.decision.endpoint(), a.decision.region().name(),
                other != null && !other.ended, responseStarted, keepBody);
        switch (decision.action()) {
            case CARRY_ON_WITH_OTHER -> {
                log.debug("{} {} rescued from {}: {}; the other attempt carries on", clientCtx.channel(), requestId,
                        a.decision.endpoint(), why);
                record(a, Outcome.CANCELLED, clock.getAsLong() - a.startedNanos, null);
                carryOnWithOther(a, other);
            }
            case RESEND -> {
                RoutingDecision next = requireNext(decision);
                record(a, Outcome.CANCELLED, clock.getAsLong() - a.startedNanos, null);
                recorder.rescued(a.decision, next);
                log.debug("{} {} rescued from {} to {}: {}", clientCtx.channel(), requestId, a.decision.endpoint(),
                        next.endpoint(), why);
                replace(a, next);
            }
            case BUDGET_SPENT -> recorder.retryRefused();
            default -> log.debug("{} {} stays on {} ({}): it may not be rescued, or nowhere to", clientCtx.channel(),
                    requestId, a.decision.endpoint(), why);
        }
    }

    /** The hedge delay passed without response headers: send a second attempt to the next-best region. */
    private void onHedgeDelay() {
        if (finished) {
            return;
        }
        AttemptPolicy.Decision decision = attemptPolicy.whenHedgeDue(attempt.decision.endpoint(), responseStarted,
                hedge != null, keepBody);
        if (decision.action() == AttemptPolicy.Action.BUDGET_SPENT) {
            recorder.retryRefused();
            return;
        }
        if (decision.action() != AttemptPolicy.Action.HEDGE) {
            return;
        }
        RoutingDecision next = requireNext(decision);
        log.debug("{} hedging {} on {} after {} ms", clientCtx.channel(), requestId, next.endpoint(),
                (clock.getAsLong() - attempt.writtenNanos) / 1_000_000);
        Attempt second = new Attempt(next, true);
        hedge = second;
        startAttempt(second);
    }

    // ---- endings -----------------------------------------------------------------------------

    private void onRequestSent(Attempt a) {
        a.requestSent = true;
        if (responseStarted || a != attempt) {
            return;
        }
        if (!timer.isSet(ExchangeTimer.Deadline.FIRST_BYTE)) {
            timer.setIn(ExchangeTimer.Deadline.FIRST_BYTE, route.timeouts().firstByte().toNanos());
        }
        if (attemptPolicy.hedges() && !timer.isSet(ExchangeTimer.Deadline.HEDGE) && hedge == null) {
            long p95 = recorder.timeToFirstByteP95(attempt.decision.region().name());
            timer.setIn(ExchangeTimer.Deadline.HEDGE, attemptPolicy.hedgeDelayNanos(p95));
        }
    }

    /**
     * Ends the exchange with the response's last part. The request is recorded (metrics, access
     * log) before that part is written, so a client that has its response sees it counted.
     */
    private void complete(LastHttpContent last) {
        if (grpc) {
            recorder.grpcStatus(attempt.decision, GrpcStatus.endedWith(last));
        }
        Attempt a = attempt;
        UpstreamConnection connection = a.upstream;
        a.upstream = null;
        finish();
        boolean keepClient = clientKeepAlive && clientDelimited && requestReceived && !client.isDraining();
        writeLast(last, keepClient);
        if (connection != null) {
            if (a.requestSent && upstreamKeepAlive) {
                connection.pool().release(connection);
            } else {
                connection.discard();
            }
        }
        client.exchangeFinished(keepClient);
    }

    /**
     * Writes and flushes the response's last part, then closes the client connection unless
     * {@code keepClient}; a kept connection needs no listener, so the write takes the void promise
     * (a failed write reaches the pipeline's exceptionCaught, which closes the connection).
     */
    private void writeLast(LastHttpContent last, boolean keepClient) {
        if (keepClient) {
            clientCtx.writeAndFlush(last, clientCtx.voidPromise());
        } else {
            clientCtx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** An upstream connection failed: retry or answer when nothing was sent yet, otherwise end the client's stream. */
    private void upstreamBroken(Attempt a, ErrorResponse error) {
        if (!responseStarted || a != attempt) {
            attemptFailed(a, error == ErrorResponse.UPSTREAM_PROTOCOL_ERROR ? AttemptPolicy.Failure.INVALID_RESPONSE
                    : AttemptPolicy.Failure.CONNECTION_BROKEN, null);
            return;
        }
        record(a, Outcome.GATEWAY_FAILURE, clock.getAsLong() - a.writtenNanos, null);
        fail(error, null);
    }

    /**
     * The upstream did not process the request (HTTP/2 REFUSED_STREAM, or a stream above a GOAWAY's
     * last stream id): like a refused connect, it may be repeated elsewhere whatever the method,
     * as long as the body sent so far is still in the replay buffer.
     */
    private void upstreamRefused(Attempt a, Throwable cause) {
        log.debug("{} {} did not process the request: {}", clientCtx.channel(), a.decision.endpoint(), cause.getMessage());
        if (responseStarted && a == attempt) {
            upstreamBroken(a, ErrorResponse.UPSTREAM_UNAVAILABLE);
            return;
        }
        attemptFailed(a, AttemptPolicy.Failure.REQUEST_REFUSED, null);
    }

    /**
     * Ends the exchange with {@code error}: as an error response when no response byte has been
     * sent yet; otherwise, for SSE and NDJSON streams Meridian frames itself, with a final error
     * event or line and a clean end; otherwise by closing the client connection so the client
     * sees the response cut short instead of a clean end.
     */
    public void fail(ErrorResponse error, @Nullable String detail) {
        if (finished) {
            return;
        }
        if (!responseStarted) {
            // For a gRPC call the client gets HTTP 200 with a grpc-status; the metrics and the access
            // log keep the HTTP status Meridian would have sent, so the error SLIs see the failure.
            recorder.errorStatus(error.status().code());
        }
        if (grpc) {
            recorder.grpcStatus(attempt.decision, responseStarted ? GrpcStatus.UNAVAILABLE : GrpcStatus.forError(error));
        }
        finish();
        if (responseStarted) {
            log.debug("{} response from {} cut short: {}", clientCtx.channel(), attempt.decision.endpoint(), error);
            LastHttpContent lastPart = ending.lastPart(error, region(), clientCtx.alloc());
            if (lastPart != null) {
                boolean keepClient = clientKeepAlive && requestReceived && !client.isDraining();
                writeLast(lastPart, keepClient);
                client.exchangeFinished(keepClient);
                return;
            }
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

    /**
     * Ends the exchange and its attempts; every attempt still holding a connection closes it. A
     * caller that keeps the main attempt's connection (to return it to its pool) takes it out of
     * the attempt first.
     */
    private void finish() {
        finished = true;
        Attempt h = hedge;
        hedge = null;
        if (h != null) {
            recorder.hedgeEnded(h.decision, RequestMeters.HedgeResult.ABANDONED);
            h.end();
        }
        attempt.end();
        timer.cancel();
        dropReplayBuffer();
        recorder.requestEnded(attempt.decision, attemptPolicy.attempts());
    }

    /** Records how attempt {@code a} went (see {@link ExchangeRecorder#attemptEnded}); it counts as an attempt once. */
    private void record(Attempt a, @Nullable Outcome outcome, long nanos, @Nullable Duration retryAfter) {
        recorder.attemptEnded(a.decision, outcome, nanos, retryAfter, !a.counted);
        a.counted = true;
    }

    private void dropReplayBuffer() {
        keepBody = false;
        HttpContent part;
        while ((part = body.pollFirst()) != null) {
            part.release();
        }
    }

    // ---- timeouts ----------------------------------------------------------------------------

    @Override
    public void onDeadline(ExchangeTimer.Deadline deadline) {
        if (finished) {
            return;
        }
        switch (deadline) {
            case FIRST_BYTE -> onFirstByteTimeout();
            case HEDGE -> onHedgeDelay();
            case IDLE -> onIdleTimeout();
            case TOTAL -> fail(ErrorResponse.UPSTREAM_TIMEOUT, "region " + region() + " did not finish within "
                    + route.timeouts().total().toMillis() + " ms");
        }
    }

    private void onFirstByteTimeout() {
        if (responseStarted) {
            return;
        }
        for (Attempt live : liveAttempts()) {
            log.debug("{} no response from {} within {}", clientCtx.channel(), live.decision.endpoint(),
                    route.timeouts().firstByte());
            record(live, Outcome.TIMEOUT, clock.getAsLong() - live.writtenNanos, null);
        }
        fail(ErrorResponse.UPSTREAM_TIMEOUT, "region " + region() + " did not answer within "
                + route.timeouts().firstByte().toMillis() + " ms");
    }

    /** The idle deadline passed: times out when the response was quiet that long, else moves to last activity + idle. */
    private void onIdleTimeout() {
        long idleNanos = route.timeouts().idle().toNanos();
        long quiet = clock.getAsLong() - lastResponseActivityNanos;
        if (quiet < idleNanos) {
            timer.set(ExchangeTimer.Deadline.IDLE, lastResponseActivityNanos + idleNanos);
            return;
        }
        record(attempt, Outcome.TIMEOUT, quiet, null);
        fail(ErrorResponse.UPSTREAM_TIMEOUT, null);
    }
}
