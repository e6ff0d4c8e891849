package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.HedgeConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.health.Outcome;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.regions.RoutingTable;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.exchange.AttemptPolicy.Action;
import dev.meridian.router.exchange.AttemptPolicy.Decision;
import dev.meridian.router.exchange.AttemptPolicy.Failure;
import dev.meridian.router.upstream.UpstreamPool;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every rule of what a request does after an attempt's outcome, without sockets or clocks: a real
 * {@link RoutingPolicy} over two regions (us-east4 with two endpoints, europe-west2 with one) and a
 * {@link RetryBudget} that has room or is spent.
 */
class AttemptPolicyTest {

    private static final long MS = 1_000_000;

    private final long now = 7_000_000_000_000L;
    private final TwoRegions regions = new TwoRegions(() -> now);
    private final RoutingTable table = regions.table;
    private final Region east = regions.east;
    private final Endpoint east1 = east.endpoints().get(0);
    private final HealthRegistry health = regions.health;
    private final RoutingPolicy routing = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health);

    @AfterEach
    void close() {
        regions.close();
    }

    private RetryBudget budget(boolean room) {
        // Ratio 0: only the floor counts; a floor of 0 per second is a spent budget.
        return new RetryBudget(0, 10, room ? 10 : 0, () -> now);
    }

    private AttemptPolicy policy(RetryConfig retry, HedgeConfig hedge, boolean repeatSafe, RetryBudget budget,
            int attemptsSoFar) {
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults(), null,
                retry, hedge);
        AttemptPolicy policy = new AttemptPolicy(routing,
                new RoutingRequest(InetAddress.getLoopbackAddress(), null, route, null), budget, repeatSafe, List.of());
        for (int i = 0; i < attemptsSoFar; i++) {
            policy.attemptStarted();
        }
        return policy;
    }

    private AttemptPolicy policy(int maxAttempts, boolean rescue, boolean repeatSafe, boolean budgetRoom,
            int attemptsSoFar) {
        return policy(new RetryConfig(maxAttempts, false, rescue), HedgeConfig.ofDefaults(), repeatSafe,
                budget(budgetRoom), attemptsSoFar);
    }

    @ParameterizedTest(name = "{0}, other live {1}, started {2}, buffered {3}, repeat-safe {4}, {5}/{6} attempts, "
            + "budget {7}: {8} ({9})")
    @CsvSource(delimiter = '|', textBlock = """
            CONNECT_REFUSED    | false | false | true  | false | 1 | 3 | false | RESEND              | never sent: any method, not charged
            CONNECT_TIMEOUT    | false | false | false | false | 1 | 3 | false | RESEND              | never sent, even with the body past the replay buffer
            NO_FREE_CONNECTION | false | false | true  | false | 1 | 3 | false | RESEND              | no connection: never sent
            REQUEST_REFUSED    | false | false | true  | false | 1 | 3 | false | RESEND              | not processed: a POST too, not charged
            REQUEST_REFUSED    | false | false | false | true  | 1 | 3 | true  | STOP                | not processed, but part of the body is gone
            CONNECTION_BROKEN  | false | false | true  | true  | 1 | 3 | true  | RESEND              | reset before headers, repeat-safe
            CONNECTION_BROKEN  | false | false | true  | false | 1 | 3 | true  | STOP                | a sent POST is not repeated
            CONNECTION_BROKEN  | false | false | false | true  | 1 | 3 | true  | STOP                | the body streamed past the replay buffer
            CONNECTION_BROKEN  | false | false | true  | true  | 1 | 3 | false | BUDGET_SPENT        | a sent request is charged
            INVALID_RESPONSE   | false | false | true  | true  | 1 | 3 | true  | RESEND              | a garbled response is a gateway failure
            GATEWAY_STATUS     | false | false | true  | true  | 1 | 3 | true  | RESEND              | 502/503/504
            GATEWAY_STATUS     | false | false | true  | true  | 2 | 3 | true  | RESEND              | a third attempt is allowed
            GATEWAY_STATUS     | false | false | true  | true  | 3 | 3 | true  | STOP                | max-attempts reached
            GATEWAY_STATUS     | false | false | true  | true  | 1 | 3 | false | BUDGET_SPENT        | budget spent
            RATE_LIMITED       | false | false | true  | true  | 1 | 3 | true  | RESEND              | 429: another region may have quota
            CONNECT_REFUSED    | false | true  | true  | true  | 1 | 3 | true  | STOP                | nothing is retried once the response started
            CONNECT_REFUSED    | false | false | true  | true  | 1 | 1 | true  | STOP                | max-attempts 1: no retries
            CONNECTION_BROKEN  | true  | false | true  | false | 2 | 3 | false | CARRY_ON_WITH_OTHER | a hedge race: the other attempt carries on
            GATEWAY_STATUS     | true  | false | false | false | 3 | 3 | false | CARRY_ON_WITH_OTHER | whatever else holds
            """)
    void afterAFailure(Failure failure, boolean otherLive, boolean responseStarted, boolean bodyInReplayBuffer,
            boolean repeatSafe, int attemptsSoFar, int maxAttempts, boolean budgetRoom, Action expected, String why) {
        AttemptPolicy policy = policy(maxAttempts, true, repeatSafe, budgetRoom, attemptsSoFar);

        Decision decision = policy.afterFailure(east1, east.name(), failure, otherLive, responseStarted,
                bodyInReplayBuffer);

        assertThat(decision.action()).as(why).isEqualTo(expected);
        assertThat(decision.next() != null).as("a destination exactly when resending").isEqualTo(expected == Action.RESEND);
    }

    @Test
    void aRetryGoesToAnotherRegionAndNeverBackToOneThatFailed() {
        AttemptPolicy policy = policy(3, true, true, true, 1);

        RoutingDecision first = policy.afterFailure(east1, east.name(), Failure.GATEWAY_STATUS, false, false, true).next();
        assertThat(first).isNotNull();
        assertThat(first.region().name()).as("a region that just failed is likelier to fail again").isEqualTo("europe-west2");

        policy.attemptStarted();
        assertThat(policy.afterFailure(first.endpoint(), first.region().name(), Failure.GATEWAY_STATUS, false, false,
                true)).as("both regions failed this request and both can take requests: no third attempt")
                .isEqualTo(Decision.STOP);
    }

    @Test
    void aRetryWithNowhereLeftToGoStops() {
        AttemptPolicy policy = new AttemptPolicy(routing, new RoutingRequest(InetAddress.getLoopbackAddress(), null,
                new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults()), null),
                budget(true), true, List.of(east.endpoints().get(1), table.regions().get(1).endpoints().get(0)));
        policy.attemptStarted();

        assertThat(policy.afterFailure(east1, east.name(), Failure.CONNECT_REFUSED, false, false, true))
                .as("every endpoint excluded or tried").isEqualTo(Decision.STOP);
    }

    @Test
    void aRequestNeverSentIsNotChargedToTheBudget() {
        RetryBudget one = new RetryBudget(0, 1, 1, () -> now);
        AttemptPolicy policy = policy(new RetryConfig(3, false, true), HedgeConfig.ofDefaults(), false, one, 1);

        assertThat(policy.afterFailure(east1, east.name(), Failure.CONNECT_REFUSED, false, false, true).action())
                .isEqualTo(Action.RESEND);
        assertThat(one.tryAcquire()).as("the one retry of the budget is still there").isTrue();
    }

    @ParameterizedTest(name = "rescue {0}, other live {1}, started {2}, buffered {3}, repeat-safe {4}, {5}/3 attempts, "
            + "budget {6}: {7} ({8})")
    @CsvSource(delimiter = '|', textBlock = """
            true  | false | false | true  | true  | 1 | true  | RESEND              | sent elsewhere now
            true  | false | false | true  | true  | 1 | false | BUDGET_SPENT        | a rescue is charged like a retry
            true  | false | false | true  | false | 1 | true  | STOP                | a sent POST may not be repeated
            true  | false | false | false | true  | 1 | true  | STOP                | its body streamed past the replay buffer
            true  | false | false | true  | true  | 3 | true  | STOP                | max-attempts reached
            true  | true  | false | false | false | 3 | false | CARRY_ON_WITH_OTHER | the other attempt of a hedge race carries on
            true  | false | true  | true  | true  | 1 | true  | STOP                | the response started
            false | false | false | true  | true  | 1 | true  | STOP                | retry.rescue off
            false | true  | false | true  | true  | 1 | true  | STOP                | retry.rescue off, even in a race
            """)
    void whenAnAttemptIsStuckOnADownRegion(boolean rescue, boolean otherLive, boolean responseStarted,
            boolean bodyInReplayBuffer, boolean repeatSafe, int attemptsSoFar, boolean budgetRoom, Action expected,
            String why) {
        AttemptPolicy policy = policy(3, rescue, repeatSafe, budgetRoom, attemptsSoFar);

        Decision decision = policy.whenStuck(east1, east.name(), otherLive, responseStarted, bodyInReplayBuffer);

        assertThat(decision.action()).as(why).isEqualTo(expected);
        if (expected == Action.RESEND) {
            assertThat(decision.next()).isNotNull();
            assertThat(decision.next().region().name()).as("another region").isEqualTo("europe-west2");
        }
    }

    @ParameterizedTest(name = "started {0}, hedge live {1}, buffered {2}, repeat-safe {3}, {4}/3 attempts, budget {5}: "
            + "{6} ({7})")
    @CsvSource(delimiter = '|', textBlock = """
            false | false | true  | true  | 1 | true  | HEDGE        | a second attempt to the next-best region
            false | false | true  | true  | 1 | false | BUDGET_SPENT | hedges spend the retry budget
            true  | false | true  | true  | 1 | true  | STOP         | the response started
            false | true  | true  | true  | 1 | true  | STOP         | a hedge is already running
            false | false | false | true  | 1 | true  | STOP         | the body is not in the replay buffer
            false | false | true  | false | 1 | true  | STOP         | a POST is not hedged
            false | false | true  | true  | 3 | true  | STOP         | max-attempts reached
            """)
    void whenTheHedgeDelayPasses(boolean responseStarted, boolean hedgeLive, boolean bodyInReplayBuffer,
            boolean repeatSafe, int attemptsSoFar, boolean budgetRoom, Action expected, String why) {
        AttemptPolicy policy = policy(new RetryConfig(3, false, true), new HedgeConfig(true, null), repeatSafe,
                budget(budgetRoom), attemptsSoFar);

        Decision decision = policy.whenHedgeDue(east1, responseStarted, hedgeLive, bodyInReplayBuffer);

        assertThat(decision.action()).as(why).isEqualTo(expected);
        assertThat(policy.hedges()).as("a request hedges at most once").isEqualTo(expected != Action.HEDGE);
        if (expected == Action.HEDGE) {
            assertThat(decision.next()).isNotNull();
            assertThat(decision.next().region().name()).isEqualTo("europe-west2");
            assertThat(decision.next().reason()).isEqualTo(RoutingDecision.Reason.HEDGE);
        }
    }

    @Test
    void theHedgeDelayIsFixedOrTheLiveP95OrADefaultUntilTheP95IsKnown() {
        AttemptPolicy p95 = policy(RetryConfig.ofDefaults(), new HedgeConfig(true, null), true, budget(true), 1);
        assertThat(p95.hedgeDelayNanos(230 * MS)).isEqualTo(230 * MS);
        assertThat(p95.hedgeDelayNanos(-1)).isEqualTo(AttemptPolicy.DEFAULT_HEDGE_DELAY_NANOS);

        AttemptPolicy fixed = policy(RetryConfig.ofDefaults(), new HedgeConfig(true, Duration.ofMillis(40)), true,
                budget(true), 1);
        assertThat(fixed.hedgeDelayNanos(230 * MS)).isEqualTo(40 * MS);

        assertThat(policy(RetryConfig.ofDefaults(), HedgeConfig.ofDefaults(), true, budget(true), 1).hedges())
                .as("hedging is off by default").isFalse();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            502 | GATEWAY_STATUS
            503 | GATEWAY_STATUS
            504 | GATEWAY_STATUS
            429 | RATE_LIMITED
            500 | -
            404 | -
            200 | -
            """)
    void theStatusesAnotherRegionMayDoBetterOnAreFailures(int status, Failure expected) {
        assertThat(Failure.ofStatus(status)).isEqualTo(expected);
    }

    @Test
    void whatAFailureTellsTheHealthRegistryAndTheClient() {
        assertThat(AttemptPolicy.outcomeOf(404)).isEqualTo(Outcome.CLIENT_ERROR);
        assertThat(AttemptPolicy.outcomeOf(500)).isEqualTo(Outcome.SUCCESS);
        assertThat(AttemptPolicy.outcomeOf(200)).isEqualTo(Outcome.SUCCESS);

        assertThat(Failure.of(UpstreamPool.AcquireFailure.CONNECT_FAILED)).isEqualTo(Failure.CONNECT_REFUSED);
        assertThat(Failure.of(UpstreamPool.AcquireFailure.CONNECT_TIMEOUT)).isEqualTo(Failure.CONNECT_TIMEOUT);
        assertThat(Failure.of(UpstreamPool.AcquireFailure.OVERLOADED)).isEqualTo(Failure.NO_FREE_CONNECTION);

        assertThat(Failure.NO_FREE_CONNECTION.outcome).as("not the endpoint's fault").isNull();
        assertThat(Failure.CONNECT_TIMEOUT.error).isEqualTo(ErrorResponse.UPSTREAM_TIMEOUT);
        assertThat(Failure.INVALID_RESPONSE.error).isEqualTo(ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
        assertThat(Failure.GATEWAY_STATUS.error).as("the upstream's own response is forwarded").isNull();
        assertThat(Failure.CONNECT_REFUSED.detail("us-east4")).isEqualTo("region us-east4 refused the connection");
        assertThat(Failure.CONNECTION_BROKEN.detail("us-east4"))
                .isEqualTo("region us-east4 closed the connection without answering");
        assertThat(Failure.INVALID_RESPONSE.detail("us-east4")).isNull();

        assertThat(Failure.REQUEST_REFUSED.neverSent(true)).isTrue();
        assertThat(Failure.REQUEST_REFUSED.neverSent(false)).isFalse();
        assertThat(Failure.CONNECTION_BROKEN.neverSent(true)).isFalse();
    }

    @ParameterizedTest(name = "{0}, retry.non-idempotent {1}: repeat-safe {2}")
    @CsvSource({
        "GET, false, true", "HEAD, false, true", "OPTIONS, false, true", "PUT, false, true",
        "DELETE, false, true", "TRACE, false, true", "POST, false, false", "PATCH, false, false",
        "CONNECT, false, false", "POST, true, true", "PATCH, true, true"})
    void onlyIdempotentMethodsAreRepeatSafeUnlessTheRouteSaysSo(String method, boolean nonIdempotent,
            boolean repeatSafe) {
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults(), null,
                new RetryConfig(3, nonIdempotent, true), HedgeConfig.ofDefaults());

        assertThat(AttemptPolicy.repeatSafe(HttpMethod.valueOf(method), route)).isEqualTo(repeatSafe);
    }
}
