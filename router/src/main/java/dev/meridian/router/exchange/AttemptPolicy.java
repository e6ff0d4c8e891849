package dev.meridian.router.exchange;

import dev.meridian.config.RouteConfig;
import dev.meridian.health.Outcome;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.upstream.UpstreamPool;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one request does after each event of its attempts (DESIGN.md, "Failure handling"): after a
 * failure, carry on with the other live attempt, retry elsewhere or give up (and how); when an
 * attempt is stuck on an endpoint or region declared down, rescue it or leave it; when the hedge
 * delay passes, hedge or not. No sockets, no clocks, no channels: it reads the request's state that
 * {@link Exchange} hands it, asks the {@link RoutingPolicy} where the next attempt goes and takes
 * retries from the {@link RetryBudget}, so every rule is tested in {@code AttemptPolicyTest}.
 *
 * <p>One per request: it keeps the request's attempt history (how many attempts started, the
 * endpoints tried, the regions that failed, whether it hedged), which the rules read.
 *
 * <pre>{@code
 * AttemptPolicy.Decision next = attempts.afterFailure(endpoint, region, Failure.CONNECTION_BROKEN,
 *         otherLive, responseStarted, bodyInReplayBuffer);
 * }</pre>
 */
final class AttemptPolicy {

    /** The hedge delay while a region's p95 time to first byte is not known yet. */
    static final long DEFAULT_HEDGE_DELAY_NANOS = 100_000_000L;

    /** How an attempt failed before its response reached the client, and what that means for the request. */
    enum Failure {
        /** The connection was refused or failed: nothing was sent. */
        CONNECT_REFUSED(Outcome.GATEWAY_FAILURE, ErrorResponse.UPSTREAM_UNAVAILABLE, Delivery.NEVER_SENT),
        /** The connection was not established in time: nothing was sent. */
        CONNECT_TIMEOUT(Outcome.TIMEOUT, ErrorResponse.UPSTREAM_TIMEOUT, Delivery.NEVER_SENT),
        /** No free connection (pool full, or a stalled region admits nothing more): not the endpoint's fault. */
        NO_FREE_CONNECTION(null, ErrorResponse.UPSTREAM_OVERLOADED, Delivery.NEVER_SENT),
        /** HTTP/2 REFUSED_STREAM or a stream above a GOAWAY's last stream id: the upstream did not process it. */
        REQUEST_REFUSED(Outcome.GATEWAY_FAILURE, ErrorResponse.UPSTREAM_UNAVAILABLE, Delivery.UNPROCESSED),
        /** The connection closed or reset before the response headers. */
        CONNECTION_BROKEN(Outcome.GATEWAY_FAILURE, ErrorResponse.UPSTREAM_UNAVAILABLE, Delivery.SENT),
        /** The upstream sent something that is not a valid HTTP response. */
        INVALID_RESPONSE(Outcome.GATEWAY_FAILURE, ErrorResponse.UPSTREAM_PROTOCOL_ERROR, Delivery.SENT),
        /** A 502, 503 or 504: when nothing takes over, the upstream's own response goes to the client. */
        GATEWAY_STATUS(Outcome.GATEWAY_FAILURE, null, Delivery.SENT),
        /** A 429: when nothing takes over, the upstream's own response goes to the client. */
        RATE_LIMITED(Outcome.RATE_LIMITED, null, Delivery.SENT);

        /** What the health registry hears; {@code null}: not the endpoint's fault. */
        final @Nullable Outcome outcome;
        /** The answer when the request gives up; {@code null}: the upstream's own response is forwarded. */
        final @Nullable ErrorResponse error;
        private final Delivery delivery;

        Failure(@Nullable Outcome outcome, @Nullable ErrorResponse error, Delivery delivery) {
            this.outcome = outcome;
            this.error = error;
            this.delivery = delivery;
        }

        /**
         * Whether the request counts as never sent: repeating it adds no upstream load, so it may be
         * repeated whatever its method and is not charged to the budget. A request the upstream did
         * not process counts so while the body sent so far is still in the replay buffer.
         */
        boolean neverSent(boolean bodyInReplayBuffer) {
            return delivery == Delivery.NEVER_SENT || (delivery == Delivery.UNPROCESSED && bodyInReplayBuffer);
        }

        /** The error response's detail when the request gives up after this failure in {@code region}. */
        @Nullable String detail(String region) {
            return switch (this) {
                case CONNECT_REFUSED -> "region " + region + " refused the connection";
                case REQUEST_REFUSED -> "region " + region + " refused the request";
                case CONNECTION_BROKEN -> "region " + region + " closed the connection without answering";
                default -> null;
            };
        }

        /** The failure a pool reports when it gives no connection. */
        static Failure of(UpstreamPool.AcquireFailure failure) {
            return switch (failure) {
                case CONNECT_TIMEOUT -> CONNECT_TIMEOUT;
                case OVERLOADED -> NO_FREE_CONNECTION;
                case CONNECT_FAILED -> CONNECT_REFUSED;
            };
        }

        /** The failure a response status means (502, 503, 504, 429: another region may do better), else {@code null}. */
        static @Nullable Failure ofStatus(int status) {
            if (status == 502 || status == 503 || status == 504) {
                return GATEWAY_STATUS;
            }
            return status == 429 ? RATE_LIMITED : null;
        }
    }

    private enum Delivery {
        NEVER_SENT,
        UNPROCESSED,
        SENT
    }

    /** What the exchange does next. */
    enum Action {
        /** Another attempt of the request is live (a hedge race): end this one and carry on with the other. */
        CARRY_ON_WITH_OTHER,
        /** End this attempt and send the request to {@link Decision#next()} as the one attempt. */
        RESEND,
        /** Start a second attempt at {@link Decision#next()} beside the first. */
        HEDGE,
        /** Nothing more: a failed request gives up, a stuck attempt is left to its timeouts, no hedge. */
        STOP,
        /** Like {@link #STOP}, because the retry budget is spent: counted as a refused retry. */
        BUDGET_SPENT
    }

    /** An action and, for {@link Action#RESEND} and {@link Action#HEDGE}, where the next attempt goes. */
    record Decision(Action action, @Nullable RoutingDecision next) {
        static final Decision CARRY_ON_WITH_OTHER = new Decision(Action.CARRY_ON_WITH_OTHER, null);
        static final Decision STOP = new Decision(Action.STOP, null);
        static final Decision BUDGET_SPENT = new Decision(Action.BUDGET_SPENT, null);
    }

    private final RouteConfig route;
    private final RoutingPolicy policy;
    private final RoutingRequest routing;
    private final RetryBudget budget;
    private final boolean repeatSafe;
    // The history's lists start without a backing array (most requests never fail): the first
    // failure allocates it, not every request.
    private final List<Endpoint> tried = new ArrayList<>();
    /** Regions where an attempt of this request failed: no later attempt goes there. */
    private final List<String> failedRegions = new ArrayList<>();
    private int attempts;
    private boolean hedged;

    /**
     * @param repeatSafe whether sending the request twice is safe (see {@link #repeatSafe})
     * @param excluded endpoints no attempt of this request goes to
     */
    AttemptPolicy(RoutingPolicy policy, RoutingRequest routing, RetryBudget budget, boolean repeatSafe,
            List<Endpoint> excluded) {
        this.route = routing.route();
        this.policy = policy;
        this.routing = routing;
        this.budget = budget;
        this.repeatSafe = repeatSafe;
        if (!excluded.isEmpty()) {
            this.tried.addAll(excluded);
        }
    }

    /**
     * Whether sending a {@code method} request twice is safe: an idempotent method (RFC 9110
     * §9.2.2), or a route whose requests have no side effects ({@code retry.non-idempotent}).
     */
    static boolean repeatSafe(HttpMethod method, RouteConfig route) {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)
                || HttpMethod.OPTIONS.equals(method) || HttpMethod.PUT.equals(method)
                || HttpMethod.DELETE.equals(method) || HttpMethod.TRACE.equals(method)
                || route.retry().nonIdempotent();
    }

    /** Counts an attempt that starts. */
    void attemptStarted() {
        attempts++;
    }

    /** How many attempts started so far. */
    int attempts() {
        return attempts;
    }

    /**
     * The attempt on {@code endpoint} in {@code region} failed before its response reached the
     * client: carry on with the other live attempt, else resend when the route allows another
     * attempt, the request may be repeated, a region or endpoint is left and the budget has room
     * (a request never sent is not charged), else stop (and give up with {@link Failure#error}).
     */
    Decision afterFailure(Endpoint endpoint, String region, Failure failure, boolean otherLive,
            boolean responseStarted, boolean bodyInReplayBuffer) {
        tried.add(endpoint);
        failedRegions.add(region);
        if (otherLive) {
            return Decision.CARRY_ON_WITH_OTHER;
        }
        boolean neverSent = failure.neverSent(bodyInReplayBuffer);
        if (responseStarted || attempts >= route.retry().maxAttempts()
                || !RescueRule.mayRepeat(neverSent, bodyInReplayBuffer, repeatSafe)) {
            return Decision.STOP;
        }
        return elsewhere(Action.RESEND, tried, failedRegions, !neverSent);
    }

    /**
     * The attempt on {@code endpoint} in {@code region} waits for its first byte on an endpoint or
     * region declared down: carry on with the other live attempt, or resend it elsewhere now as a
     * retry (another region, budget permitting), or leave it to its timeouts; see {@link RescueRule}.
     * Unless left, the endpoint and region count as failed for this request.
     */
    Decision whenStuck(Endpoint endpoint, String region, boolean otherLive, boolean responseStarted,
            boolean bodyInReplayBuffer) {
        RescueRule.Action action = RescueRule.decide(route.retry().rescue(), responseStarted, otherLive,
                RescueRule.mayRepeat(false, bodyInReplayBuffer, repeatSafe), attempts < route.retry().maxAttempts());
        switch (action) {
            case CARRY_ON_WITH_OTHER -> {
                tried.add(endpoint);
                failedRegions.add(region);
                return Decision.CARRY_ON_WITH_OTHER;
            }
            case RESEND -> {
                List<Endpoint> avoid = new ArrayList<>(tried);
                avoid.add(endpoint);
                List<String> failed = new ArrayList<>(failedRegions);
                failed.add(region);
                Decision decision = elsewhere(Action.RESEND, avoid, failed, true);
                if (decision.action() == Action.RESEND) {
                    tried.add(endpoint);
                    failedRegions.add(region);
                }
                return decision;
            }
            default -> {
                return Decision.STOP;
            }
        }
    }

    /** Whether a hedge timer is to be armed once the request was sent: the route hedges and this request has not yet. */
    boolean hedges() {
        return route.hedge().enabled() && !hedged;
    }

    /**
     * The hedge delay: the route's fixed delay, else the region's live p95 time to first byte,
     * else {@link #DEFAULT_HEDGE_DELAY_NANOS} while it is not known.
     *
     * @param p95Nanos the region's p95 time to first byte, or a value ≤ 0 when not known
     */
    long hedgeDelayNanos(long p95Nanos) {
        Duration fixed = route.hedge().delay();
        if (fixed != null) {
            return fixed.toNanos();
        }
        return p95Nanos > 0 ? p95Nanos : DEFAULT_HEDGE_DELAY_NANOS;
    }

    /**
     * The hedge delay passed without response headers from the attempt on {@code current}: a second
     * attempt goes to the next-best region when the request may be repeated (its body is in the
     * replay buffer and repeating it is safe), the route allows another attempt and the budget has room.
     */
    Decision whenHedgeDue(Endpoint current, boolean responseStarted, boolean hedgeLive, boolean bodyInReplayBuffer) {
        if (responseStarted || hedgeLive || !bodyInReplayBuffer || !repeatSafe
                || attempts >= route.retry().maxAttempts()) {
            return Decision.STOP;
        }
        List<Endpoint> avoid = new ArrayList<>(tried);
        avoid.add(current);
        Decision decision = elsewhere(Action.HEDGE, avoid, failedRegions, true);
        RoutingDecision next = decision.next();
        if (next == null) {
            return decision;
        }
        hedged = true;
        return new Decision(Action.HEDGE, new RoutingDecision(next.region(), next.endpoint(), RoutingDecision.Reason.HEDGE));
    }

    /**
     * {@code action} to where the routing policy sends the next attempt, avoiding {@code avoid} and
     * {@code failed}: {@link Decision#STOP} when nothing is left, {@link Decision#BUDGET_SPENT}
     * when {@code charged} and the budget has no room (asked only once a destination is known).
     */
    private Decision elsewhere(Action action, List<Endpoint> avoid, List<String> failed, boolean charged) {
        RoutingDecision next = policy.decideRetry(routing, avoid, failed);
        if (next == null) {
            return Decision.STOP;
        }
        if (charged && !budget.tryAcquire()) {
            return Decision.BUDGET_SPENT;
        }
        return new Decision(action, next);
    }

    /** The health outcome of a response status that is not a {@link Failure}: a 4xx is the client's, anything else a success. */
    static Outcome outcomeOf(int status) {
        return status >= 400 && status < 500 ? Outcome.CLIENT_ERROR : Outcome.SUCCESS;
    }
}
