package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.HealthConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery as fast as detection (an ejected endpoint returns at its first good probe), stall
 * suspicion (probes confirm), and the listener that hears every way out of rotation. Driven by
 * recorded outcomes, probe results and a manual clock.
 */
class RecoveryAndSuspicionTest {

    private static final long MS = 1_000_000;

    private final ManualClock clock = new ManualClock();
    private final RoutingTable table = Tables.of(2, 2);
    private final Region east = Tables.region(table, 0);
    private final Endpoint e0 = Tables.endpoint(table, 0, 0);
    private final Endpoint e1 = Tables.endpoint(table, 0, 1);
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private HealthRegistry health = registry(HealthConfig.ofDefaults());

    private HealthRegistry registry(HealthConfig config) {
        HealthRegistry registry = HealthRegistry.create(table, config, clock);
        registry.listen(new HealthListener() {
            @Override
            public void endpointDown(Endpoint endpoint, Cause cause) {
                heard.add(endpoint.label() + " " + cause);
            }

            @Override
            public void regionDown(Region region, Cause cause) {
                heard.add(region.name() + " " + cause);
            }
        });
        return registry;
    }

    @AfterEach
    void close() {
        health.close();
    }

    private void eject(Endpoint endpoint) {
        health.record(e1, Outcome.SUCCESS, 5 * MS, null);
        for (int i = 0; i < 5; i++) {
            health.record(endpoint, Outcome.GATEWAY_FAILURE, 5 * MS, null);
        }
        assertThat(health.isAvailable(endpoint)).as("ejected").isFalse();
    }

    private HealthReport.EndpointReport report(Endpoint endpoint) {
        return health.report().regions().get(0).endpoints().stream()
                .filter(e -> e.label().equals(endpoint.label())).findFirst().orElseThrow();
    }

    @Test
    void anEjectedEndpointReturnsAtItsFirstGoodProbeThatStartedAfterTheEjection() {
        long probeBefore = clock.getAsLong();
        clock.advance(Duration.ofMillis(10));
        eject(e0);
        long ejected = health.version();

        health.probeResult(e0, probeBefore, true, MS, null);
        assertThat(health.isAvailable(e0)).as("that probe began before the ejection").isFalse();

        clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, clock.getAsLong(), true, MS, null);

        assertThat(health.isAvailable(e0)).as("back after 2 s, not 30 s").isTrue();
        assertThat(health.version()).isGreaterThan(ejected);
        assertThat(report(e0).timesEjected()).as("the multiplier is kept").isEqualTo(1);
    }

    @Test
    void anEndpointThatFailsAgainSoonAfterReturningIsEjectedForLonger() {
        eject(e0);
        clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, clock.getAsLong(), true, MS, null);
        clock.advance(Duration.ofSeconds(1));

        eject(e0);

        assertThat(report(e0).timesEjected()).isEqualTo(2);
        assertThat(report(e0).ejectedFor()).as("base-ejection × 2").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void withUnejectOnProbeSuccessOffAnEjectionRunsItsTime() {
        health.close();
        health = registry(HealthConfig.ofDefaults().withOutlier(new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, false)));
        eject(e0);
        clock.advance(Duration.ofSeconds(2));
        health.probeResult(e0, clock.getAsLong(), true, MS, null);

        assertThat(health.isAvailable(e0)).isFalse();
        clock.advance(Duration.ofSeconds(28));
        assertThat(health.isAvailable(e0)).isTrue();
    }

    @Test
    void aSuspectedRegionAdmitsNothingUntilAProbeStartedAfterTheSuspicionSucceeds() {
        long probeBefore = clock.getAsLong();
        clock.advance(Duration.ofMillis(5));
        long version = health.version();

        assertThat(health.suspect(east, "2 attempts overdue")).isTrue();
        assertThat(health.suspect(east, "again")).as("already suspected").isFalse();

        assertThat(health.admits(east)).isFalse();
        assertThat(health.admits(Tables.region(table, 1))).isTrue();
        assertThat(health.version()).isGreaterThan(version);
        assertThat(heard).containsExactly("r0 STALLED");
        assertThat(east.endpoints()).as("a region's stall says nothing about single endpoints").allMatch(health::isAvailable);

        health.probeResult(e0, probeBefore, true, MS, null);
        assertThat(health.admits(east)).as("that probe started before the suspicion").isFalse();

        clock.advance(Duration.ofMillis(100));
        health.probeResult(e1, clock.getAsLong(), true, MS, null);
        assertThat(health.admits(east)).as("a probe confirms the region answers").isTrue();
    }

    @Test
    void aSuspicionNoProbeClearsEndsAfterTheOpenDuration() {
        health.suspect(east, "stalled");
        clock.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(health.admits(east)).isFalse();

        clock.advance(Duration.ofNanos(1));
        long version = health.version();
        assertThat(health.admits(east)).isTrue();
        assertThat(version).as("the version moves when the suspicion ends").isNotEqualTo(0);
    }

    @Test
    void aRegionSuspectedAgainSoonAfterItsProbesClearedItHasItsBreakerOpened() {
        health.suspect(east, "stalled");
        clock.advance(Duration.ofSeconds(1));
        health.probeResult(e0, clock.getAsLong(), true, MS, null);
        assertThat(health.admits(east)).isTrue();

        clock.advance(Duration.ofSeconds(2));
        health.suspect(east, "stalled again");
        clock.advance(Duration.ofSeconds(1));
        health.probeResult(e0, clock.getAsLong(), true, MS, null);

        assertThat(health.admits(east)).as("the probes pass while requests hang: the breaker decides").isFalse();
        assertThat(health.report().regions().get(0).breaker()).isEqualTo(BreakerState.OPEN);
        assertThat(heard).containsExactly("r0 STALLED", "r0 STALLED", "r0 BREAKER_OPEN");
    }

    @Test
    void theListenerHearsProbesDownEjectionsAndOpenBreakers() {
        eject(e0);
        long started = clock.getAsLong();
        health.probeResult(e1, started, false, -1, "HTTP 503");
        health.probeResult(e1, started, false, -1, "HTTP 503");
        Region west = Tables.region(table, 1);
        for (int i = 0; i < 20; i++) {
            health.record(west.endpoints().get(i % 2), Outcome.GATEWAY_FAILURE, 5 * MS, null);
        }

        assertThat(heard).as("the whole of r1 fails: one replica is ejected, then the breaker opens")
                .containsExactly("127.0.0.1:5001 EJECTED", "127.0.0.1:5002 PROBES", "127.0.0.1:5003 EJECTED", "r1 BREAKER_OPEN");
    }
}
