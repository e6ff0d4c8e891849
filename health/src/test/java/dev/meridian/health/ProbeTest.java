package dev.meridian.health;

import dev.meridian.testing.LogCapture;
import dev.meridian.testing.TestUpstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.ProbeConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Active probes against real loopback servers, on the system clock. */
class ProbeTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Fast probes: every 20ms ± 20%, 1s timeout, down after 2 failures, up after 2 successes. */
    private static HealthConfig fastProbes() {
        return HealthConfig.ofDefaults().withProbe(
                new ProbeConfig(true, "/monitoring/healthz", Duration.ofMillis(20), 0.2, Duration.ofSeconds(1), 2, 2));
    }

    private static List<String> probeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("meridian-probe"))
                .toList();
    }

    @Test
    void endpointGoesDownAfterTwoFailedProbesAndUpAfterTwoGoodOnesNotFaster() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null).script(200, 503, 200, 503, 503, 200, 200, 200);
                LogCapture log = LogCapture.of(ActiveProbes.class)) {
            RoutingTable table = Tables.of(target.uri("http"));
            Endpoint endpoint = Tables.endpoint(table, 0, 0);
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                target.observe(() -> health.isAvailable(endpoint));

                health.startProbes();

                await().atMost(BOUND).until(() -> target.received().size() >= 9);
                assertThat(target.received().subList(0, 9)).extracting(TestUpstream.Request::observed)
                        .as("availability when each probe arrived: one failure is tolerated, two are not, "
                                + "and one success is not enough to come back")
                        .containsExactly(true, true, true, true, true, false, false, true, true);
                assertThat(target.received().get(0)).satisfies(r -> {
                    assertThat(r.method()).isEqualTo("GET");
                    assertThat(r.path()).isEqualTo("/monitoring/healthz");
                    assertThat(r.authority()).isEqualTo(endpoint.label());
                });
                List<ILoggingEvent> transitions = log.events(Level.INFO);
                assertThat(transitions).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
                        "WARN endpoint " + endpoint.label() + " of r0 is down: 2 failed probes in a row, the last: HTTP 503",
                        "INFO endpoint " + endpoint.label() + " of r0 is up: 2 good probes in a row");
                assertThat(transitions).extracting(ILoggingEvent::getThreadName)
                        .as("probes run on their own threads").allMatch(name -> name.startsWith("meridian-probe"));
            }
        }
    }

    @Test
    void downAndUpChangeTheVersionAndTheReport() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null).status(503)) {
            RoutingTable table = Tables.of(target.uri("http"));
            Endpoint endpoint = Tables.endpoint(table, 0, 0);
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                long before = health.version();
                health.startProbes();

                await().atMost(BOUND).until(() -> !health.isAvailable(endpoint));
                long down = health.version();
                assertThat(down).isGreaterThan(before);
                assertThat(health.report().regions().get(0).endpoints().get(0)).satisfies(r -> {
                    assertThat(r.probe()).isEqualTo(ProbeState.DOWN);
                    assertThat(r.available()).isFalse();
                    assertThat(r.lastProbeProblem()).isEqualTo("HTTP 503");
                });

                target.status(204);
                await().atMost(BOUND).until(() -> health.isAvailable(endpoint));
                assertThat(health.version()).isGreaterThan(down);
                assertThat(health.report().regions().get(0).endpoints().get(0).lastProbeProblem()).isNull();
            }
        }
    }

    @Test
    void roundTripOfGoodProbesBecomesTheRegionsLatency() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null).delay(Duration.ofMillis(30))) {
            RoutingTable table = Tables.of(target.uri("http"));
            Region region = Tables.region(table, 0);
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                long before = health.version();
                assertThat(health.latencyNanos(region)).as("not measured yet").isEqualTo(-1);

                health.startProbes();

                await().atMost(BOUND).until(() -> health.latencyNanos(region) > 0);
                assertThat(health.latencyNanos(region)).isBetween(Duration.ofMillis(30).toNanos(), BOUND.toNanos());
                assertThat(health.version()).as("a new latency changes the version").isGreaterThan(before);
                assertThat(health.report().regions().get(0).latencyNanos()).isEqualTo(health.latencyNanos(region));
            }
        }
    }

    @Test
    void hungEndpointTimesOutAfterTheProbeTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (TestUpstream target = TestUpstream.http1("gateway", null).hang()) {
            RoutingTable table = Tables.of(target.uri("http"));
            Endpoint endpoint = Tables.endpoint(table, 0, 0);
            HealthConfig config = HealthConfig.ofDefaults().withProbe(
                    new ProbeConfig(true, "/monitoring/healthz", Duration.ofMillis(20), 0.2, timeout, 1, 2));
            try (HealthRegistry health = HealthRegistry.create(table, config)) {
                health.startProbes();

                await().atMost(BOUND).until(() -> !health.isAvailable(endpoint));
                assertThat(health.report().regions().get(0).endpoints().get(0).lastProbeProblem())
                        .isEqualTo("no response within 300ms");
                await().atMost(BOUND).until(() -> target.received().size() >= 6);
                List<TestUpstream.Request> requests = target.received();
                // From the second probe on (the first one's connect carries the start-up cost of the client), over
                // four gaps: on a busy machine one arrival may be seen late by more than the 20 ms interval leaves
                // to spare, but not every one.
                assertThat((requests.get(5).arrivedNanos() - requests.get(1).arrivedNanos()) / 4)
                        .as("each next probe waits for the timeout of the hung one, then the interval")
                        .isGreaterThanOrEqualTo(timeout.toNanos());
            }
        }
    }

    @Test
    void refusedConnectionFailsTheProbe() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed at once: nothing listens there
        }
        RoutingTable table = Tables.of(URI.create("http://127.0.0.1:" + port));
        Endpoint endpoint = Tables.endpoint(table, 0, 0);
        try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
            health.startProbes();

            await().atMost(BOUND).until(() -> !health.isAvailable(endpoint));
            assertThat(health.report().regions().get(0).endpoints().get(0).lastProbeProblem()).isEqualTo("connection refused");
        }
    }

    @Test
    void closeStopsProbingAndItsThreads() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null)) {
            RoutingTable table = Tables.of(target.uri("http"));
            HealthRegistry health = HealthRegistry.create(table, fastProbes());
            health.startProbes();
            await().atMost(BOUND).until(() -> target.received().size() >= 3);
            assertThat(probeThreads()).isNotEmpty();

            health.close();

            // A probe in flight when close() ran may still land once; after that the count must stay put.
            java.util.concurrent.atomic.AtomicInteger last = new java.util.concurrent.atomic.AtomicInteger(-1);
            await().pollInterval(Duration.ofMillis(50)).during(Duration.ofMillis(300)).atMost(BOUND)
                    .until(() -> {
                        int now = target.received().size();
                        return now == last.getAndSet(now);
                    });
            await().atMost(BOUND).until(() -> probeThreads().isEmpty());
            assertThat(health.isAvailable(Tables.endpoint(table, 0, 0))).as("answers outlive the probes").isTrue();
        }
    }

    @Test
    void withProbesDisabledNothingIsProbedAndEndpointsStayUp() throws Exception {
        try (TestUpstream target = TestUpstream.http1("gateway", null).status(503)) {
            RoutingTable table = Tables.of(target.uri("http"));
            HealthConfig config = fastProbes().withProbe(fastProbes().probe().withEnabled(false));
            try (HealthRegistry health = HealthRegistry.create(table, config)) {
                health.startProbes();

                await().during(Duration.ofMillis(200)).atMost(BOUND).until(() -> target.received().isEmpty());
                assertThat(probeThreads()).isEmpty();
                assertThat(health.isAvailable(Tables.endpoint(table, 0, 0))).isTrue();
            }
        }
    }
}
