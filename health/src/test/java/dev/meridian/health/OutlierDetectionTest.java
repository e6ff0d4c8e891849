package dev.meridian.health;

import static dev.meridian.health.RegistryFixture.MS;
import dev.meridian.testing.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Passive outlier ejection, driven by recorded outcomes and a manual clock. */
class OutlierDetectionTest {

    @RegisterExtension
    final RegistryFixture health = RegistryFixture.of(4, 2);
    private final RoutingTable table = health.table;
    private final Endpoint e0 = health.endpoint(0, 0);
    private final Endpoint e1 = health.endpoint(0, 1);
    private final Endpoint e2 = health.endpoint(0, 2);
    private final Endpoint e3 = health.endpoint(0, 3);

    private void fail(Endpoint endpoint, int times) {
        health.fail(endpoint, times);
    }

    private HealthReport.EndpointReport report(Endpoint endpoint) {
        return health.report(endpoint);
    }

    /** Ejects {@code endpoint} (e1 does fine meanwhile). */
    private void eject(Endpoint endpoint) {
        health.record(e1, Outcome.SUCCESS, 5 * MS, null);
        fail(endpoint, 5);
        assertThat(health.isAvailable(endpoint)).as("ejected").isFalse();
    }

    @Test
    void fiveConsecutiveGatewayFailuresEjectAndFourDoNot() {
        fail(e0, 4);
        assertThat(health.isAvailable(e0)).isTrue();
        assertThat(report(e0).consecutiveFailures()).isEqualTo(4);

        fail(e0, 1);

        assertThat(health.isAvailable(e0)).isFalse();
        assertThat(health.isAvailable(e1)).as("only the failing endpoint").isTrue();
        assertThat(report(e0)).satisfies(r -> {
            assertThat(r.available()).isFalse();
            assertThat(r.probe()).as("ejection is not a probe verdict").isEqualTo(ProbeState.UP);
            assertThat(r.ejectedFor()).isEqualTo(Duration.ofSeconds(30));
            assertThat(r.timesEjected()).isEqualTo(1);
            assertThat(r.ejections()).isEqualTo(1);
            assertThat(r.consecutiveFailures()).as("starts over after an ejection").isZero();
        });
    }

    @Test
    void timeoutsCountLikeGatewayFailures() {
        fail(e0, 2);
        for (int i = 0; i < 3; i++) {
            health.record(e0, Outcome.TIMEOUT, 1000 * MS, null);
        }

        assertThat(health.isAvailable(e0)).isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        fail(e0, 4);
        health.record(e0, Outcome.SUCCESS, 5 * MS, null);
        fail(e0, 4);

        assertThat(health.isAvailable(e0)).isTrue();
        assertThat(report(e0).consecutiveFailures()).isEqualTo(4);
    }

    @Test
    void clientErrorsCancellationsAndRateLimitsNeitherCountNorReset() {
        fail(e0, 4);
        for (int i = 0; i < 10; i++) {
            health.record(e0, Outcome.CLIENT_ERROR, 5 * MS, null);
            health.record(e0, Outcome.CANCELLED, 5 * MS, null);
            health.record(e0, Outcome.RATE_LIMITED, 5 * MS, Duration.ofSeconds(1));
        }
        assertThat(health.isAvailable(e0)).as("they did not count").isTrue();
        assertThat(report(e0).consecutiveFailures()).isEqualTo(4);

        fail(e0, 1);

        assertThat(health.isAvailable(e0)).as("nor did they reset").isFalse();
    }

    @Test
    void ejectionLastsBaseTimesTimesEjectedCappedAtMax() {
        List<Duration> lengths = new ArrayList<>();
        for (int round = 0; round < 12; round++) {
            fail(e0, 5);
            Duration length = report(e0).ejectedFor();
            lengths.add(length);
            health.clock.advance(length);
            assertThat(health.isAvailable(e0)).as("back after %s", length).isTrue();
        }

        assertThat(lengths).extracting(Duration::toSeconds).containsExactly(
                30L, 60L, 90L, 120L, 150L, 180L, 210L, 240L, 270L, 300L, 300L, 300L);
        assertThat(report(e0).ejections()).isEqualTo(12);
    }

    @Test
    void endpointReturnsAfterItsEjectionAndTheVersionChanges() {
        try (LogCapture log = LogCapture.of(OutlierDetection.class)) {
            long before = health.version();
            fail(e0, 5);
            assertThat(health.version()).as("an ejection changes the version").isNotEqualTo(before);

            health.assertEndsAfter(Duration.ofSeconds(30), () -> health.isAvailable(e0));

            assertThat(log.lines(Level.INFO)).containsExactly(
                    "INFO endpoint 127.0.0.1:5001 of r0 ejected for 30s after 5 consecutive gateway failures (times ejected: 1)",
                    "INFO endpoint 127.0.0.1:5001 of r0 returns after a 30s ejection (times ejected: 1)");
        }
    }

    @Test
    void multiplierStartsOverAfterMaxEjectionBackInRotation() {
        fail(e0, 5);
        health.clock.advance(Duration.ofSeconds(30));
        fail(e0, 5);
        assertThat(report(e0).ejectedFor()).isEqualTo(Duration.ofSeconds(60));

        health.clock.advance(Duration.ofSeconds(60).plus(Duration.ofSeconds(301)));
        fail(e0, 5);

        assertThat(report(e0).ejectedFor()).as("in rotation for longer than max-ejection").isEqualTo(Duration.ofSeconds(30));
        assertThat(report(e0).timesEjected()).isEqualTo(1);
        assertThat(report(e0).ejections()).isEqualTo(3);
    }

    @Test
    void maxEjectedPercentIsRespected() {
        fail(e0, 5);
        fail(e1, 5);
        fail(e2, 5);

        assertThat(List.of(e0, e1, e2, e3)).extracting(health::isAvailable)
                .as("50% of 4 endpoints: two may be ejected").containsExactly(false, false, true, true);
        assertThat(health.report(0).ejectionsRefused()).isEqualTo(1);

        health.clock.advance(Duration.ofSeconds(30));
        fail(e2, 1);

        assertThat(health.isAvailable(e2)).as("ejected as soon as there is room").isFalse();
    }

    @Test
    void oneEndpointMayAlwaysBeEjected() {
        health.reconfigure(HealthConfig.ofDefaults().withOutlier(
                new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 0, true)));
        Endpoint west0 = Tables.endpoint(table, 1, 0);
        Endpoint west1 = Tables.endpoint(table, 1, 1);

        fail(west0, 5);
        fail(west1, 5);

        assertThat(health.isAvailable(west0)).isFalse();
        assertThat(health.isAvailable(west1)).isTrue();
    }

    @Test
    void failuresOfRequestsInFlightToAnEjectedEndpointAreNotCounted() {
        fail(e0, 5);
        fail(e0, 20);
        health.clock.advance(Duration.ofSeconds(30));

        assertThat(health.isAvailable(e0)).isTrue();
        assertThat(report(e0).consecutiveFailures()).isZero();
        fail(e0, 4);
        assertThat(health.isAvailable(e0)).isTrue();
    }

    @Test
    void concurrentFailuresNeverEjectMoreThanMaxEjectedPercent() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 50; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Endpoint target = table.regions().get(0).endpoints().get(t % 4);
                    done.add(pool.submit(() -> {
                        go.await();
                        fail(target, 5);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(10, TimeUnit.SECONDS);
                }

                assertThat(List.of(e0, e1, e2, e3)).filteredOn(e -> !health.isAvailable(e))
                        .as("round %d", round).hasSizeLessThanOrEqualTo(2).isNotEmpty();
                health.clock.advance(Duration.ofMinutes(10));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void endpointsOfAnotherTableAreUnknownAndHealthy() {
        Endpoint stranger = Tables.endpoint(Tables.of(1), 0, 0);

        fail(stranger, 10);

        assertThat(health.isAvailable(stranger)).isTrue();
        assertThat(health.isAvailable(e0)).as("same address, other table: not the same endpoint").isTrue();
    }

    // ---- recovery as fast as detection: an ejected endpoint returns at its first good probe ----

    @Test
    void anEjectedEndpointReturnsAtItsFirstGoodProbeThatStartedAfterTheEjection() {
        long probeBefore = health.clock.getAsLong();
        health.clock.advance(Duration.ofMillis(10));
        eject(e0);
        long ejected = health.version();

        health.probeResult(e0, probeBefore, true, MS, null);
        assertThat(health.isAvailable(e0)).as("that probe began before the ejection").isFalse();

        health.clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, health.clock.getAsLong(), true, MS, null);

        assertThat(health.isAvailable(e0)).as("back after 2 s, not 30 s").isTrue();
        assertThat(health.version()).isGreaterThan(ejected);
        assertThat(report(e0).timesEjected()).as("the multiplier is kept").isEqualTo(1);
    }

    @Test
    void anEndpointThatFailsAgainSoonAfterReturningIsEjectedForLonger() {
        eject(e0);
        health.clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, health.clock.getAsLong(), true, MS, null);
        health.clock.advance(Duration.ofSeconds(1));

        eject(e0);

        assertThat(report(e0).timesEjected()).isEqualTo(2);
        assertThat(report(e0).ejectedFor()).as("base-ejection × 2").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void withUnejectOnProbeSuccessOffAnEjectionRunsItsTime() {
        health.reconfigure(HealthConfig.ofDefaults().withOutlier(
                new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, false)));
        eject(e0);
        health.clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, health.clock.getAsLong(), true, MS, null);

        assertThat(health.isAvailable(e0)).isFalse();
        health.clock.advance(Duration.ofSeconds(28));
        assertThat(health.isAvailable(e0)).isTrue();
    }
}
