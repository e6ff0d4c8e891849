package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.StallConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One loop's waiting attempts without sockets: late and overdue marks, the counts they feed,
 * stall suspicion, and rescues by endpoint, by region and of attempts stranded out of rotation.
 */
class WaitingAttemptsTest {

    private static final long MS = 1_000_000;

    private long now = 7_000_000_000_000L;
    private final TwoRegions regions = new TwoRegions(() -> now);
    private final RoutingTable table = regions.table;
    private final Region east = regions.east;
    private final Region west = regions.west;
    private final HealthRegistry health = regions.health;
    private final TimeToFirstByteTracker ttfb = new TimeToFirstByteTracker(() -> now);
    private final RegionStalls stalls = new RegionStalls(table, health, StallConfig.ofDefaults(), ttfb, () -> now);
    private final WaitingAttempts waiting = new WaitingAttempts();
    private final List<String> rescued = new ArrayList<>();

    @AfterEach
    void close() {
        regions.close();
    }

    /** An attempt that records its rescue and leaves the list, as an exchange's would. */
    private final class FakeAttempt extends WaitingAttempt {
        private final Endpoint endpoint;
        private final String name;

        FakeAttempt(String name, Endpoint endpoint) {
            this.name = name;
            this.endpoint = endpoint;
        }

        @Override
        Endpoint endpoint() {
            return endpoint;
        }

        @Override
        Region region() {
            return endpoint == west.endpoints().get(0) ? west : east;
        }

        @Override
        boolean outOfRotation() {
            return !health.isAvailable(endpoint) || !health.admits(region());
        }

        @Override
        void rescue(String why) {
            rescued.add(name);
            waiting.remove(this);
        }
    }

    private FakeAttempt waitOn(String name, Endpoint endpoint) {
        FakeAttempt attempt = new FakeAttempt(name, endpoint);
        Region region = attempt.region();
        waiting.add(attempt, stalls.of(region), now);
        return attempt;
    }

    private void answers(Region region, long p99Millis) {
        for (int i = 0; i < 100; i++) {
            ttfb.record(region.name(), p99Millis * MS);
        }
        stalls.of(region).answered(now);
    }

    private void advance(long millis) {
        now += millis * MS;
        waiting.tick(now);
    }

    @Test
    void attemptsBecomeLateThenOverdueAndTheRegionIsSuspectedWhenNoneIsAnswered() {
        answers(east, 80);
        RegionStall stall = stalls.of(east);
        FakeAttempt a = waitOn("a", east.endpoints().get(0));
        waitOn("b", east.endpoints().get(1));

        advance(50);
        assertThat(stall.late.get()).as("within the p99 (~80 ms)").isZero();
        advance(100);
        assertThat(stall.late.get()).isEqualTo(2);
        assertThat(stall.overdue.get()).isZero();
        assertThat(health.admits(east)).isTrue();

        advance(1000);
        assertThat(stall.overdue.get()).as("past max(1 s, 4 × p99)").isEqualTo(2);
        assertThat(health.admits(east)).as("two overdue, nothing answered for the threshold: suspected").isFalse();

        waiting.remove(a);
        assertThat(stall.late.get()).isEqualTo(1);
        assertThat(stall.overdue.get()).isEqualTo(1);
        assertThat(waiting.size()).isEqualTo(1);
    }

    @Test
    void aRegionThatAnswersOthersIsSlowNotStalled() {
        answers(east, 80);
        waitOn("a", east.endpoints().get(0));
        waitOn("b", east.endpoints().get(1));

        for (int i = 0; i < 15; i++) {
            stalls.of(east).answered(now);
            advance(100);
        }

        assertThat(stalls.of(east).overdue.get()).isEqualTo(2);
        assertThat(health.admits(east)).isTrue();
    }

    @Test
    void aSilentRegionRefusesNewAttemptsOnceMaxWaitingAreLate() {
        answers(east, 80);
        for (int i = 0; i < 16; i++) {
            waitOn("a" + i, east.endpoints().get(i % 2));
        }
        assertThat(stalls.of(east).admits(now)).isTrue();

        advance(100);

        assertThat(stalls.of(east).admits(now)).as("silent past its p99 with 16 late").isFalse();
        assertThat(stalls.of(west).admits(now)).isTrue();
        stalls.of(east).answered(now);
        assertThat(stalls.of(east).admits(now)).as("it answered again").isTrue();
    }

    @Test
    void theLastRegionThatCanTakeRequestsIsNeitherSuspectedNorCapped() {
        answers(east, 80);
        for (int i = 0; i < 5; i++) {
            health.record(west.endpoints().get(0), dev.meridian.health.Outcome.GATEWAY_FAILURE, MS, null);
        }
        assertThat(health.isAvailable(west.endpoints().get(0))).as("europe-west2's only replica ejected").isFalse();
        for (int i = 0; i < 20; i++) {
            waitOn("a" + i, east.endpoints().get(i % 2));
        }

        advance(100);
        advance(1100);

        assertThat(stalls.of(east).overdue.get()).isEqualTo(20);
        assertThat(health.admits(east)).as("nowhere else to go: suspecting it would only mean panic routing").isTrue();
        assertThat(stalls.of(east).admits(now)).as("capping it would turn slowness into errors").isTrue();
    }

    @Test
    void rescuesPickTheAttemptsOfTheEndpointOrRegionDeclaredDown() {
        waitOn("e0", east.endpoints().get(0));
        waitOn("e1", east.endpoints().get(1));
        waitOn("w0", west.endpoints().get(0));

        waiting.rescue(east.endpoints().get(1), "probes");
        assertThat(rescued).containsExactly("e1");
        waiting.rescue(east, "breaker open");
        assertThat(rescued).containsExactly("e1", "e0");
        assertThat(waiting.size()).isEqualTo(1);
    }

    @Test
    void anOverdueAttemptOnAnEndpointOutOfRotationIsRescuedByTheTick() {
        answers(east, 80);
        answers(west, 80);
        waitOn("e0", east.endpoints().get(0));
        for (int i = 0; i < 5; i++) {
            health.record(east.endpoints().get(1), dev.meridian.health.Outcome.SUCCESS, MS, null);
            health.record(east.endpoints().get(0), dev.meridian.health.Outcome.GATEWAY_FAILURE, MS, null);
        }
        assertThat(health.isAvailable(east.endpoints().get(0))).as("ejected").isFalse();

        advance(500);
        assertThat(rescued).as("not overdue yet").isEmpty();
        stalls.of(east).answered(now);
        advance(600);

        assertThat(rescued).containsExactly("e0");
        assertThat(health.admits(east)).as("one overdue attempt does not suspect a region").isTrue();
    }
}
