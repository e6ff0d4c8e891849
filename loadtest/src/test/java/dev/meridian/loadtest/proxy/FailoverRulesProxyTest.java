package dev.meridian.loadtest.proxy;

import static dev.meridian.loadtest.proxy.FailoverFixture.EAST;
import static dev.meridian.loadtest.proxy.FailoverFixture.requests;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.health.BreakerState;
import dev.meridian.health.HealthReport;
import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.LoadGenerator;
import dev.meridian.loadtest.load.LoadResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The failover rules of DESIGN.md ("Failure handling") end to end, under open-loop load from
 * New York (many clients at once): router, simulated gateways and load generator on loopback.
 * Each test states the health timing it needs; the rest is the product's defaults.
 */
class FailoverRulesProxyTest {

    private static final long MICROS_PER_MS = 1000;

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /**
     * Stall thresholds follow each region's live p99 time to first byte: the first answers of a
     * cold JVM (class loading, JIT) would inflate it for the next 10-20 s. A throwaway router takes
     * that first traffic, so the tests' regions measure what they will do under the fault.
     */
    @BeforeAll
    static void warmUp() {
        try (FailoverFixture bed = FailoverFixture.builder().start()) {
            LoadGenerator.run(bed.openLoop(300, Duration.ofSeconds(3)));
        }
    }

    @Test
    void aBlackHoleUnderLoadCostsNoErrorsAndNoClientWaitsLongerThanDetectionPlusOneAttempt() throws Exception {
        // The product's probe timing (every 2 s, 1 s timeout, 2 failures): only stall detection acts within a second.
        try (FailoverFixture bed = FailoverFixture.builder().start();
                LoadGenerator load = LoadGenerator.start(bed.openLoop(200, Duration.ofSeconds(8)))) {
            Awaitility.await("east answers and its p99 is known").atMost(Duration.ofSeconds(10))
                    .until(() -> requests(bed.east()) >= 500);
            long hung = System.nanoTime();
            bed.east().forEach(g -> g.setFault(Fault.hang()));
            Awaitility.await("east suspected of a stall").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !bed.candidate(EAST).available());
            long detectedMillis = millisSince(hung);

            LoadResult result = load.awaitResult();
            long longestMillis = result.total().getMaxValue() / MICROS_PER_MS;
            long rescued = bed.counter("meridian.retries", "reason", "rescued");
            System.out.printf("black hole under load: suspected after %d ms, %d rescued, longest client wait %d ms, %s%n",
                    detectedMillis, rescued, longestMillis, result.summary());
            bed.east().forEach(g -> g.setFault(Fault.none()));

            assertThat(result.errorCount()).as("client errors (%s)", result.errors()).isZero();
            assertThat(detectedMillis).as("stall detection (1 s + a 100 ms tick), before the probes (2 × 1 s timeouts)")
                    .isLessThan(2000);
            assertThat(rescued).as("the requests waiting in the black hole were re-sent elsewhere").isPositive();
            assertThat(longestMillis).as("no client waits longer than the detection plus one attempt (1 s, generously)")
                    .isLessThanOrEqualTo(detectedMillis + 1000);
        }
    }

    @Test
    void aHungRegionHoldsAtMostMaxWaitingLateAttemptsUntilItIsSuspected() throws Exception {
        // A 3 s stall threshold leaves time to see what a hung region soaks up before it is suspected.
        try (FailoverFixture bed = FailoverFixture.builder()
                        .health("stall: {min-threshold: 3s, max-waiting: 16}")
                        .start();
                LoadGenerator load = LoadGenerator.start(bed.openLoop(200, Duration.ofSeconds(8)))) {
            Awaitility.await("east answers and its p99 is known").atMost(Duration.ofSeconds(10))
                    .until(() -> requests(bed.east()) >= 300);
            long before = requests(bed.east());
            long hung = System.nanoTime();
            bed.east().forEach(g -> g.setFault(Fault.hang()));
            Awaitility.await("east suspected of a stall").atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !bed.candidate(EAST).available());
            long suspectedMillis = millisSince(hung);
            long absorbed = requests(bed.east()) - before;

            LoadResult result = load.awaitResult();
            System.out.printf("stall cap: suspected after %d ms; east received %d requests meanwhile (%d without the cap); %s%n",
                    suspectedMillis, absorbed, 200 * suspectedMillis / 1000, result.summary());
            bed.east().forEach(g -> g.setFault(Fault.none()));

            assertThat(suspectedMillis).isGreaterThanOrEqualTo(3000);
            // Late is past east's live p99, at most a quarter of the threshold (multiplier 4); on a quiet
            // machine the p99 is a few ms and about 60 requests get in, on a busy one it can reach a second.
            assertThat(absorbed)
                    .as("16 late attempts plus what arrived within east's p99 and a tick, not all of 200 req/s until suspected")
                    .isLessThanOrEqualTo(16 + Math.round(0.35 * 200 * suspectedMillis / 1000.0));
            assertThat(result.errorCount()).as("client errors (%s)", result.errors()).isZero();
            assertThat(result.total().getMaxValue() / MICROS_PER_MS).as("the stuck ones waited for the suspicion, then one attempt")
                    .isLessThanOrEqualTo(suspectedMillis + 1000);
        }
    }

    @Test
    void aBrownoutKeepsSeventyPercentFromTwoSecondsAfterTheFaultWithTheBreakerClosed() throws Exception {
        // The product's health defaults: the breaker (10 s window, 50 %) must not take the half-healthy region out.
        try (FailoverFixture bed = FailoverFixture.builder().replicas(4, 2).start();
                LoadGenerator load = LoadGenerator.start(bed.openLoop(300, Duration.ofSeconds(7)))) {
            AtomicBoolean breakerOpened = new AtomicBoolean();
            ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
            try {
                watch.scheduleAtFixedRate(() -> {
                    HealthReport.RegionReport east = bed.router().healthReport().regions().get(0);
                    if (east.breaker() != BreakerState.CLOSED) {
                        breakerOpened.set(true);
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);
                Awaitility.await("east answers").atMost(Duration.ofSeconds(10)).until(() -> requests(bed.east()) >= 300);
                long fault = System.nanoTime();
                bed.east().subList(0, 2).parallelStream().forEach(SimulatedGateway::down);
                Awaitility.await("2 s after the fault").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                        .until(() -> millisSince(fault) >= 2000);
                long eastFrom = requests(bed.east());
                long europeFrom = requests(bed.europe());

                LoadResult result = load.awaitResult();
                long toEast = requests(bed.east()) - eastFrom;
                long toEurope = requests(bed.europe()) - europeFrom;
                double share = (double) toEast / (toEast + toEurope);
                System.out.printf("brownout: east kept %.1f %% from 2 s after the fault (%d of %d), breaker opened: %s, %s%n",
                        100 * share, toEast, toEast + toEurope, breakerOpened.get(), result.summary());

                assertThat(result.errorCount()).as("client errors (%s)", result.errors()).isZero();
                assertThat(breakerOpened.get()).as("the breaker stayed closed").isFalse();
                assertThat(share).as("min(1, 1.4 × 2/4) of the traffic").isBetween(0.65, 0.75);
            } finally {
                watch.shutdownNow();
                assertThat(watch.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void anEjectedEndpointGetsTrafficBackWithinTwoProbeIntervalsOfRecovery() throws Exception {
        // Probes every 500 ms without jitter; ejections would last the default 30 s.
        try (FailoverFixture bed = FailoverFixture.builder()
                        .health("probe: {interval: 500ms, jitter: 0, timeout: 250ms}")
                        .start();
                LoadGenerator load = LoadGenerator.start(bed.openLoop(100, Duration.ofSeconds(8)))) {
            Awaitility.await("east answers").atMost(Duration.ofSeconds(10)).until(() -> requests(bed.east()) >= 100);
            bed.east().parallelStream().forEach(SimulatedGateway::downWithResets);
            Awaitility.await("east out of rotation").atMost(Duration.ofSeconds(3))
                    .until(() -> bed.candidate(EAST).availableEndpoints() == 0);
            Awaitility.await("one east replica ejected (the other is probed down: max-ejected-percent)")
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> bed.router().healthReport().regions().get(0).endpoints().stream()
                            .anyMatch(e -> e.ejectedFor().compareTo(Duration.ofSeconds(20)) > 0));
            long[] before = bed.east().stream().mapToLong(g -> g.stats().requestsTo(FailoverFixture.COMPLETIONS)).toArray();

            long recovered = System.nanoTime();
            bed.east().forEach(SimulatedGateway::up);
            AtomicLong lastBack = new AtomicLong(-1);
            Awaitility.await("both east replicas get traffic again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> {
                        for (int i = 0; i < before.length; i++) {
                            if (bed.east().get(i).stats().requestsTo(FailoverFixture.COMPLETIONS) == before[i]) {
                                return false;
                            }
                        }
                        lastBack.set(millisSince(recovered));
                        return true;
                    });
            LoadResult result = load.awaitResult();
            System.out.printf("un-eject: both east replicas back %d ms after recovery; %s%n", lastBack.get(), result.summary());

            assertThat(lastBack.get()).as("two probe intervals (500 ms each), and a little for the probes' own time")
                    .isLessThanOrEqualTo(1000 + 300);
            assertThat(result.errorCount()).as("client errors (%s)", result.errors()).isZero();
        }
    }

    @Test
    void aHardDownThatResetsOpenConnectionsCostsNoClientErrors() throws Exception {
        try (FailoverFixture bed = FailoverFixture.builder()
                        .health("probe: {interval: 500ms, timeout: 250ms}")
                        .start();
                LoadGenerator load = LoadGenerator.start(bed.openLoop(300, Duration.ofSeconds(6)))) {
            Awaitility.await("east answers").atMost(Duration.ofSeconds(10)).until(() -> requests(bed.east()) >= 300);
            bed.east().parallelStream().forEach(SimulatedGateway::downWithResets);
            LoadResult result = load.awaitResult();
            long failovers = bed.counter("meridian.failovers", "from_region", EAST);
            System.out.printf("hard down with resets: %d failovers from east; %s%n", failovers, result.summary());

            assertThat(result.errorCount()).as("client errors (%s)", result.errors()).isZero();
            assertThat(bed.counter("meridian.failovers", "to_region", EAST))
                    .as("no retry went back to the failing region").isZero();
            bed.east().forEach(SimulatedGateway::up);
        }
    }

    @Test
    void aRegionTenTimesSlowerLosesItsShareWithinSecondsAndRegainsItMovingAtMostOncePerPeriod() throws Exception {
        // Answers take 20 ms; the fault adds 180 ms to them and to the probes: ten times slower.
        Duration period = Duration.ofSeconds(2);
        try (FailoverFixture bed = FailoverFixture.builder()
                        .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(30)))
                        .health("probe: {interval: 200ms, timeout: 1s}")
                        .routing("mode: latency-aware, hysteresis-period: 2s")
                        .start()) {
            List<Long> moves = new CopyOnWriteArrayList<>();
            AtomicBoolean eastFirst = new AtomicBoolean(true);
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
            try {
                Awaitility.await("east's latency measured").atMost(Duration.ofSeconds(5))
                        .until(() -> bed.candidate(EAST).latencyMs() != null && bed.candidate(EAST).rank() == 0);
                scheduler.scheduleAtFixedRate(() -> {
                    boolean first = bed.candidate(EAST).rank() == 0;
                    if (first != eastFirst.getAndSet(first)) {
                        moves.add(System.nanoTime());
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);

                long slowed = System.nanoTime();
                bed.east().forEach(g -> g.setFault(Fault.slow(Duration.ofMillis(180))));
                Awaitility.await("east loses its share").atMost(Duration.ofSeconds(5)).until(() -> !eastFirst.get());
                long lostMillis = millisSince(slowed);

                // Slow and fast by turns, every second: without the hold the ranking would follow each turn.
                AtomicBoolean slow = new AtomicBoolean(true);
                var flapping = scheduler.scheduleAtFixedRate(() -> {
                    boolean next = !slow.get();
                    slow.set(next);
                    bed.east().forEach(g -> g.setFault(next ? Fault.slow(Duration.ofMillis(180)) : Fault.none()));
                }, 1000, 1000, TimeUnit.MILLISECONDS);
                long flappingFrom = System.nanoTime();
                Awaitility.await("five seconds of turns").atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(20))
                        .until(() -> millisSince(flappingFrom) >= 5000);
                flapping.cancel(false);
                bed.east().forEach(g -> g.setFault(Fault.none()));
                long recovered = System.nanoTime();
                Awaitility.await("east regains its share").atMost(Duration.ofSeconds(8)).until(eastFirst::get);
                long regainedMillis = millisSince(recovered);
                System.out.printf("slow region: share lost %d ms after the slowdown, regained %d ms after recovery, "
                        + "%d moves%n", lostMillis, regainedMillis, moves.size());

                assertThat(lostMillis).as("within seconds").isLessThanOrEqualTo(3000);
                assertThat(regainedMillis).as("after recovery: the latency decays, at most one period of hold")
                        .isLessThanOrEqualTo(period.toMillis() + 3000);
                for (int i = 1; i < moves.size(); i++) {
                    assertThat((moves.get(i) - moves.get(i - 1)) / 1_000_000)
                            .as("the first region changes at most once per hysteresis period (2 s, sampled every 20 ms)")
                            .isGreaterThanOrEqualTo(period.toMillis() - 50);
                }
                assertThat(bed.candidate(EAST).available()).as("slow is not unhealthy").isTrue();
            } finally {
                scheduler.shutdownNow();
                assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
