package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.RegionCandidate;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failover end to end: two regions of two simulated replicas each, clients in New York (nearest:
 * us-east4, next: europe-west2), fast probes so that tests run in seconds.
 */
class FailoverProxyTest {

    private static final ClientLocation NEW_YORK_LOCATION =
            new ClientLocation(40.71, -74.01, ClientLocation.Source.HEADER, null);

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(RouterFixture.builder()
            .locationHeader()
            // A generous probe timeout: two CPU-starved probes of a healthy region must not mark it down.
            .health("probe: {interval: 100ms, timeout: 500ms, unhealthy-threshold: 2, healthy-threshold: 2}",
                    "outlier: {consecutive-failures: 5, base-ejection: 500ms}",
                    "breaker: {open-duration: 500ms}")
            .set("retries", "{budget-ratio: 0.2, budget-window: 10s, min-per-second: 1}")
            .region("us-east4", 2)
            .region("europe-west2", 2)
            .route("completions", "/v2/code/completions", "retry: {max-attempts: 3, non-idempotent: true}",
                    "timeouts: {connect: 300ms, first-byte: 2s, total: 5s}")
            .route("suggestions", "/v4/code/suggestions", "retry: {max-attempts: 3, non-idempotent: true}"));

    private List<SimulatedGateway> east() {
        return fixture.gateways("us-east4");
    }

    private List<SimulatedGateway> europe() {
        return fixture.gateways("europe-west2");
    }

    private RawHttpClient.Response completion(RawHttpClient client) throws Exception {
        client.send(("POST /v2/code/completions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + RouterFixture.NEW_YORK
                + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        return client.readResponse();
    }

    private RegionCandidate candidate(String region) {
        return candidate(fixture.router(), region);
    }

    private static RegionCandidate candidate(MeridianServer router, String region) {
        return router.explain(InetAddress.getLoopbackAddress(), NEW_YORK_LOCATION, "/v2/code/completions", null)
                .candidates().stream().filter(c -> c.region().equals(region)).findFirst().orElseThrow();
    }

    /** Completions the gateways received (probes of /monitoring/healthz are not counted). */
    private static long requests(List<SimulatedGateway> gateways) {
        return requests(gateways, "/v2/code/completions");
    }

    private static long requests(List<SimulatedGateway> gateways, String path) {
        return gateways.stream().mapToLong(g -> g.stats().requestsTo(path)).sum();
    }

    @Test
    void aHardDownRegionCostsClientsNoErrorsAndTrafficReturnsWhenItRecovers() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        Map<Integer, Integer> failures = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            Thread client = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000 && running.get(); i++) {
                        try (RawHttpClient connection = new RawHttpClient(fixture.port())) {
                            for (int k = 0; k < 20 && running.get(); k++) {
                                int status = completion(connection).status();
                                if (status == 200) {
                                    ok.incrementAndGet();
                                } else {
                                    failures.merge(status, 1, Integer::sum);
                                }
                            }
                        } catch (Exception e) {
                            failures.merge(-1, 1, Integer::sum);
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "client-" + t);
            clients.add(client);
            client.start();
        }
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > 200);
            assertThat(requests(east())).as("before the outage, New York goes to us-east4").isPositive();

            long downAt = System.nanoTime();
            east().forEach(SimulatedGateway::down);
            Awaitility.await("us-east4 detected down").atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !candidate("us-east4").available());
            long detectedMillis = (System.nanoTime() - downAt) / 1_000_000;
            int okAtDetection = ok.get();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > okAtDetection + 200);

            long europeBefore = requests(europe());
            east().forEach(SimulatedGateway::up);
            Awaitility.await("traffic back in us-east4").atMost(Duration.ofSeconds(5))
                    .until(() -> candidate("us-east4").available() && requests(east()) > 0);
            assertThat(requests(europe())).isGreaterThanOrEqualTo(europeBefore);
            System.out.printf("hard-down: detected in %d ms, %d requests ok, failures %s%n",
                    detectedMillis, ok.get(), failures);
        } finally {
            running.set(false);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failures).as("client-visible failures during a hard-down outage").isEmpty();
    }

    @Test
    void aBlackHoledRegionCostsNoErrorsOnARouteThatMayRepeatRequests() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger failedAfterDetection = new AtomicInteger();
        AtomicBoolean detected = new AtomicBoolean();
        int clients = 4;
        CountDownLatch done = new CountDownLatch(clients);
        for (int t = 0; t < clients; t++) {
            Thread client = new Thread(() -> {
                try (RawHttpClient connection = new RawHttpClient(fixture.port())) {
                    for (int i = 0; i < 100_000 && running.get(); i++) {
                        boolean afterDetection = detected.get();
                        if (completion(connection).status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            if (afterDetection) {
                                failedAfterDetection.incrementAndGet();
                            }
                        }
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                } finally {
                    done.countDown();
                }
            }, "client-" + t);
            client.start();
        }
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > 200);
            long vanished = System.nanoTime();
            east().forEach(g -> g.setFault(Fault.hang()));
            Awaitility.await("us-east4 detected unavailable").atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !candidate("us-east4").available());
            detected.set(true);
            long detectedMillis = (System.nanoTime() - vanished) / 1_000_000;
            int okAtDetection = ok.get();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > okAtDetection + 200);
            System.out.printf("black-hole: detected in %d ms, %d failed (of %d clients in flight)%n",
                    detectedMillis, failed.get(), clients);
        } finally {
            running.set(false);
            east().forEach(g -> g.setFault(Fault.none()));
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failed.get()).as("the requests in flight when the region vanished were rescued").isZero();
        assertThat(failedAfterDetection.get()).as("failures once detected").isZero();
    }

    @Test
    void aFlappingEndpointChangesStateNoFasterThanTheThresholdsAllow() throws Exception {
        List<Long> transitions = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicBoolean lastAvailable = new AtomicBoolean(true);
        AtomicBoolean up = new AtomicBoolean(true);
        AtomicInteger samples = new AtomicInteger();
        var scheduler = java.util.concurrent.Executors.newScheduledThreadPool(2);
        try {
            // Flip faster than the probes (every 100 ms, two results in a row needed to change state).
            scheduler.scheduleAtFixedRate(() -> {
                if (up.getAndSet(!up.get())) {
                    east().get(0).down();
                } else {
                    east().get(0).up();
                }
            }, 0, 60, TimeUnit.MILLISECONDS);
            scheduler.scheduleAtFixedRate(() -> {
                boolean available = candidate("us-east4").availableEndpoints() == 2;
                if (available != lastAvailable.getAndSet(available)) {
                    transitions.add(System.nanoTime());
                }
                samples.incrementAndGet();
            }, 0, 5, TimeUnit.MILLISECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> samples.get() >= 400);
        } finally {
            scheduler.shutdownNow();
            assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            east().get(0).up();
        }
        for (int i = 1; i < transitions.size(); i++) {
            long gapMillis = (transitions.get(i) - transitions.get(i - 1)) / 1_000_000;
            assertThat(gapMillis)
                    .as("two probe results in a row at 100 ms ± 20%% are needed to change state")
                    .isGreaterThanOrEqualTo(150);
        }
        assertThat(transitions.size()).as("state changes in 2 s of flapping every 60 ms").isLessThanOrEqualTo(12);
    }

    @Test
    void aSlowRegionLosesItsShareInLatencyAwareModeWithoutBeingEjected() throws Exception {
        fixture.close();
        // Two regions within the 50 ms tie band of New York: they share its traffic by weight. (A
        // narrower band let one cold probe on a busy CI machine keep them apart for over 15 s; the
        // slow fault below is three times the band.)
        try (ProxyFixture tied = ProxyFixture.start(RouterFixture.builder()
                .health("probe: {interval: 100ms, timeout: 2s}")
                .set("routing", "{mode: latency-aware, tie-band: 50ms, hysteresis: 5ms}")
                .region("us-east4", 1)
                .region("us-east1", 1))) {
            MeridianServer router = tied.router();
            Awaitility.await("both regions share New York").atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> {
                        RegionCandidate east4 = candidate(router, "us-east4");
                        RegionCandidate east1 = candidate(router, "us-east1");
                        // On failure, the message shows each candidate: availability, latency, level, share.
                        assertThat(east4.share() > 0 && east1.share() > 0).as("both share: %s, %s", east4, east1).isTrue();
                    });

            tied.gateways("us-east4").get(0).setFault(new Fault.Slow(Duration.ofMillis(150)));
            Awaitility.await("us-east4's share falls as its measured latency rises").atMost(Duration.ofSeconds(5))
                    .until(() -> candidate(router, "us-east4").share() == 0.0);
            RegionCandidate slow = candidate(router, "us-east4");
            assertThat(slow.available()).as("slow is not unhealthy").isTrue();
            assertThat(slow.availableEndpoints()).isEqualTo(1);
            assertThat(slow.latencyMs()).as("measured latency, ms: out of the tie band").isGreaterThan(50.0);
        }
    }

    @Test
    void a503IsRetriedInTheNextRegion() throws Exception {
        east().forEach(g -> g.setFault(new Fault.Errors(503, 1.0, null)));
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            RawHttpClient.Response response = completion(client);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("X-Meridian-Region")).isEqualTo("europe-west2");
        }
        assertThat(requests(east())).as("one attempt in us-east4").isEqualTo(1);
        assertThat(requests(europe())).as("one retry in europe-west2").isEqualTo(1);
    }

    @Test
    void withEveryRegionFailingRetriesStayWithinTheBudget() throws Exception {
        east().forEach(g -> g.setFault(new Fault.Errors(503, 1.0, null)));
        europe().forEach(g -> g.setFault(new Fault.Errors(503, 1.0, null)));
        int requests = 200;
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            for (int i = 0; i < requests; i++) {
                assertThat(completion(client).status()).isEqualTo(503);
            }
        }
        long attempts = requests(east()) + requests(europe());
        assertThat(attempts)
                .as("first attempts plus at most 20%% retries plus a floor of 1/s over 10 s")
                .isBetween((long) requests, (long) (requests * 1.2) + 10);
    }

    @Test
    void a429LowersTheRegionsShareForItsRetryAfterWithoutMarkingItUnhealthy() throws Exception {
        east().forEach(g -> g.setFault(new Fault.Errors(429, 1.0, Duration.ofSeconds(2))));
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            RawHttpClient.Response response = completion(client);
            assertThat(response.status()).as("retried elsewhere").isEqualTo(200);
            assertThat(response.header("X-Meridian-Region")).isEqualTo("europe-west2");
        }
        RegionCandidate throttled = candidate("us-east4");
        assertThat(throttled.available()).isTrue();
        assertThat(throttled.availableEndpoints()).isEqualTo(2);
        assertThat(throttled.share()).as("capacity 0.5 while Retry-After runs").isEqualTo(0.5);

        east().forEach(g -> g.setFault(Fault.none()));
        Awaitility.await("share recovers after Retry-After").atMost(Duration.ofSeconds(5))
                .until(() -> candidate("us-east4").share() == 1.0);
    }

    @Test
    void halfTheEndpointsDownSpillsThirtyPercentToTheNextRegion() throws Exception {
        east().get(0).down();
        Awaitility.await("one us-east4 replica detected down").atMost(Duration.ofSeconds(2))
                .until(() -> candidate("us-east4").availableEndpoints() == 1);
        assertThat(candidate("us-east4").share()).isEqualTo(0.7);
        assertThat(candidate("europe-west2").share()).isEqualTo(0.3);

        long eastBefore = requests(east());
        long europeBefore = requests(europe());
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            for (int i = 0; i < 1000; i++) {
                assertThat(completion(client).status()).isEqualTo(200);
            }
        }
        double eastShare = (requests(east()) - eastBefore) / 1000.0;
        assertThat(requests(europe()) - europeBefore + requests(east()) - eastBefore).isEqualTo(1000);
        assertThat(eastShare).isBetween(0.65, 0.75);
    }

    @Test
    void aStreamBrokenMidwayEndsWithAnErrorEventAndIsNotRetried() throws Exception {
        east().forEach(g -> g.setFault(new Fault.ResetMidStream(2)));
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(("POST /v4/code/suggestions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + RouterFixture.NEW_YORK
                    + "\r\nX-Sim-Chunks: 10\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.complete()).as("the stream ends cleanly").isTrue();
            assertThat(response.text()).contains("event: stream_start").contains("event: error")
                    .doesNotContain("stream_end");
        }
        assertThat(requests(east(), "/v4/code/suggestions")).isEqualTo(1);
        assertThat(requests(europe(), "/v4/code/suggestions")).as("nothing is retried after the first byte").isZero();
    }

    @Test
    void clientsThatCancelDoNotEjectAnEndpoint() throws Exception {
        for (int i = 0; i < 10; i++) {
            try (RawHttpClient client = new RawHttpClient(fixture.port())) {
                client.send(("POST /v2/code/completions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + RouterFixture.NEW_YORK
                        + "\r\nX-Sim-Delay: 5s\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
                int expected = i + 1;
                Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> requests(east()) >= expected);
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> east().stream().mapToLong(g -> g.stats().cancelled()).sum() == 10);
        assertThat(candidate("us-east4").availableEndpoints()).as("cancellations are not failures").isEqualTo(2);
    }
}
