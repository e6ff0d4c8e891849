package dev.meridian.router.exchange;

import dev.meridian.health.HealthRegistry;
import dev.meridian.health.Outcome;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RequestMeters;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link Exchange} leaves behind: its attempts' outcomes in the health registry, the
 * retry budget and the metrics, its time to first byte in the endpoint's and the region's
 * trackers, and at its end the request's line in the metrics and the access log.
 *
 * <p>One per exchange, on the exchange's event loop. It holds the request's counters (status
 * sent, time to first byte, response bytes) instead of the exchange, so the exchange calls it at
 * the few points where an attempt or the exchange ends and keeps only the relay. The wall clock
 * of the access log is injected; durations come from the data path's monotonic clock.
 *
 * <pre>{@code
 * ExchangeRecorder recorder = ExchangeRecorder.of(snapshot, resources, routing, request, id, traceId, start);
 * recorder.requestStarted();
 * recorder.attemptEnded(decision, Outcome.SUCCESS, nanos, null, true);
 * recorder.firstByte(decision, 200, writtenNanos);
 * recorder.requestEnded(decision, attempts);
 * }</pre>
 */
final class ExchangeRecorder {

    private final RequestMeters meters;
    private final RequestMeters.RouteMeters routeMeters;
    private final HealthRegistry health;
    private final TimeToFirstByteTracker timeToFirstByte;
    private final RetryBudget budget;
    private final AccessLog accessLog;
    private final Clock wallClock;
    private final LongSupplier nanoClock;
    private final RoutingRequest routing;
    private final HttpRequest request;
    private final String requestId;
    private final String traceId;
    private final long startNanos;

    /** The status sent to the client; 0 while none was. */
    private int statusSent;
    private long firstByteNanos = -1;
    private long responseBytes;

    ExchangeRecorder(RequestMeters meters, HealthRegistry health, TimeToFirstByteTracker timeToFirstByte,
            RetryBudget budget, AccessLog accessLog, Clock wallClock, LongSupplier nanoClock, RoutingRequest routing,
            HttpRequest request, String requestId, String traceId, long startNanos) {
        this.meters = meters;
        this.routeMeters = meters.route(routing.route());
        this.health = health;
        this.timeToFirstByte = timeToFirstByte;
        this.budget = budget;
        this.accessLog = accessLog;
        this.wallClock = wallClock;
        this.nanoClock = nanoClock;
        this.routing = routing;
        this.request = request;
        this.requestId = requestId;
        this.traceId = traceId;
        this.startNanos = startNanos;
    }

    /** The recorder of one request read from {@code snapshot} and served with {@code resources}. */
    static ExchangeRecorder of(RouterSnapshot snapshot, ProxyResources resources, RoutingRequest routing,
            HttpRequest request, String requestId, String traceId, long startNanos) {
        return new ExchangeRecorder(snapshot.meters(), snapshot.health(), resources.timeToFirstByte(),
                resources.budget(), resources.accessLog(), resources.wallClock(), resources.nanoClock(), routing,
                request, requestId, traceId, startNanos);
    }

    /** The request arrived: it earns the retry budget its share. */
    void requestStarted() {
        budget.onRequest();
    }

    /**
     * An attempt to {@code decision}'s endpoint ended with {@code outcome}: told to the health
     * registry (unless {@code null}: no connection, not the endpoint's fault) and, when
     * {@code firstOutcome}, counted as an attempt (an attempt is counted once, whatever happens later).
     *
     * @param nanos how long the attempt took (to the response headers, or to the failure)
     * @param retryAfter for {@link Outcome#RATE_LIMITED}: the {@code Retry-After} it sent, if readable
     */
    void attemptEnded(RoutingDecision decision, @Nullable Outcome outcome, long nanos, @Nullable Duration retryAfter,
            boolean firstOutcome) {
        if (outcome != null) {
            health.record(decision.endpoint(), outcome, nanos, retryAfter);
        }
        if (firstOutcome) {
            cell(decision).attempt(outcome);
        }
    }

    /**
     * The failed attempt to {@code from} is retried on {@code next} after {@code outcome}
     * ({@code null}: no connection); a retry to another region is also a failover.
     */
    void retried(RoutingDecision from, RoutingDecision next, @Nullable Outcome outcome) {
        cell(from).retry(outcome);
        String fromRegion = from.region().name();
        if (!fromRegion.equals(next.region().name())) {
            meters.failover(fromRegion, next.region().name(), outcome);
        }
    }

    /** The attempt to {@code from}, stuck on an endpoint or region declared down, is sent to {@code next}. */
    void rescued(RoutingDecision from, RoutingDecision next) {
        cell(from).rescued();
        meters.failoverRescued(from.region().name(), next.region().name());
    }

    /** A retry or hedge was due but the retry budget had no room. */
    void retryRefused() {
        routeMeters.retryRefused();
    }

    /** The hedge sent to {@code hedge}'s region ended its race with {@code result}. */
    void hedgeEnded(RoutingDecision hedge, RequestMeters.HedgeResult result) {
        cell(hedge).hedge(result);
    }

    /** The gRPC call answered by {@code decision}'s region ended with {@code grpc-status} index {@code code}. */
    void grpcStatus(RoutingDecision decision, int code) {
        cell(decision).grpcStatus(code);
    }

    /**
     * Response headers with {@code status} from {@code decision}'s endpoint go to the client now:
     * the request's time to first byte, and the attempt's (from {@code writtenNanos}, when its
     * request was written) for the endpoint's score and the region's hedge delay.
     *
     * @return now, on the data path's clock
     */
    long firstByte(RoutingDecision decision, int status, long writtenNanos) {
        long now = nanoClock.getAsLong();
        statusSent = status;
        firstByteNanos = now - startNanos;
        cell(decision).firstByte(status, firstByteNanos);
        decision.endpoint().recordTimeToFirstByte(now - writtenNanos);
        timeToFirstByte.record(decision.region().name(), now - writtenNanos);
        return now;
    }

    /** The error response Meridian answers with instead of a proxied one (its status is the request's). */
    void errorStatus(int status) {
        statusSent = status;
    }

    /** Response body bytes sent to the client. */
    void responseBytes(int bytes) {
        responseBytes += bytes;
    }

    /** The region's live 95th percentile time to first byte, for the hedge delay. */
    long timeToFirstByteP95(String region) {
        return timeToFirstByte.quantileNanos(region, 0.95);
    }

    /**
     * The request ended, answered (or last tried) by {@code decision} after {@code attempts}
     * attempts: its line in the metrics and the access log.
     */
    void requestEnded(RoutingDecision decision, int attempts) {
        long total = nanoClock.getAsLong() - startNanos;
        cell(decision).request(statusSent, decision.reason(), total);
        if (accessLog.enabled()) {
            accessLog.log(new AccessLog.Entry(wallClock.millis(), requestId, traceId, routing.client(),
                    request.method().name(), request.uri(), routing.route().name(), decision.region().name(),
                    decision.endpoint().label(), statusSent, responseBytes, firstByteNanos, total, attempts,
                    decision.reason().label()));
        }
    }

    /**
     * The {@code Retry-After} of a 429, for the region's throttle: delay-seconds (RFC 9110 §10.2.3)
     * up to a day; an HTTP-date, garbage or none gives {@code null} (then the configured default applies).
     */
    static @Nullable Duration retryAfter(HttpResponse response) {
        String value = response.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (value == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            return seconds >= 0 && seconds <= 86_400 ? Duration.ofSeconds(seconds) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private RequestMeters.Cell cell(RoutingDecision decision) {
        return routeMeters.cell(decision.region().name());
    }
}
