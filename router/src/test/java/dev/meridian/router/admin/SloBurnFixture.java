package dev.meridian.router.admin;

import dev.meridian.testing.RouterFixture;
import dev.meridian.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the controller's end-to-end tests share: gateways on loopback ({@link TestUpstream}) that
 * fail every fifth attempt (20 %) with 503 while told to, and a steady stream of client requests through a router
 * that counts which region answered ({@code X-Meridian-Region}) and what the clients saw.
 */
final class SloBurnFixture {

    private SloBurnFixture() {}

    /** Regions {@code a} and {@code b} and the controller in {@code mode} with short windows for tests. */
    static RouterFixture.Builder config(int portA, int portB, String mode) {
        // Outlier ejection off in effect: the 20 % are spread over a region's replicas in life, here they hit its one endpoint.
        return AdminFixture.fixture()
                .health("{probe: {enabled: false}, outlier: {consecutive-failures: 1000}}")
                .set("retries", "{budget-ratio: 0.5}")
                .set("slo-controller", "mode: " + mode, "windows: {short: 2s, long: 4s}", "cool-down: 2s", "interval: 250ms",
                        "min-attempts: 20")
                .route("completions", "/v2/code/completions", "retry: {non-idempotent: true}")
                .regionAt("a", List.of("http://127.0.0.1:" + portA))
                .regionAt("b", List.of("http://127.0.0.1:" + portB));
    }

    /** A gateway on loopback that answers 200 until told to fail ({@link #failing}). */
    static TestUpstream gateway(String name) throws Exception {
        return TestUpstream.http1(name, null);
    }

    /** From now on {@code gateway} answers every fifth request (20 %) with 503, or, not {@code failing}, none. */
    static void failing(TestUpstream gateway, boolean failing) {
        gateway.failEvery(failing ? 5 : 0, 503);
    }

    /** Client requests at a fixed rate to a router, counting the answering region and the client-visible errors. */
    static final class Load implements AutoCloseable {
        final Map<String, AtomicLong> byRegion = new ConcurrentHashMap<>();
        /** 5xx answers the clients got. */
        final AtomicLong errors = new AtomicLong();
        /** Requests that got no answer within the timeout (connection refused, timed out). */
        final AtomicLong unanswered = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        /** Requests not sent because {@link #MAX_IN_FLIGHT} were waiting. */
        final AtomicLong skipped = new AtomicLong();
        private static final int MAX_IN_FLIGHT = 32;
        private final AtomicInteger inFlight = new AtomicInteger();
        /** What the last failed request got, for assertion messages. */
        volatile String lastError = "";
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

        /** Starts {@code perSecond} requests a second to {@code port}. */
        Load(int port, int perSecond) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/code/completions"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\"}"))
                    .build();
            ticker.scheduleAtFixedRate(() -> {
                if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) { // a stalled router gets no pile of connections
                    inFlight.decrementAndGet();
                    skipped.incrementAndGet();
                    return;
                }
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                        inFlight.decrementAndGet();
                        if (error != null) {
                            unanswered.incrementAndGet(); // a machine too busy to answer within the timeout; not the router's answer
                            return;
                        }
                        if (response.statusCode() >= 500) {
                            errors.incrementAndGet();
                            lastError = response.statusCode() + " " + response.headers().map();
                            return;
                        }
                        answered.incrementAndGet();
                        response.headers().firstValue("X-Meridian-Region")
                                .ifPresent(region -> byRegion.computeIfAbsent(region, r -> new AtomicLong()).incrementAndGet());
                    });
            }, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
        }

        /** Forgets what was counted so far (to measure the shares from now on). */
        void reset() {
            byRegion.clear();
            answered.set(0);
        }

        /** The share of answers that came from {@code region} since the last {@link #reset}. */
        double share(String region) {
            long total = byRegion.values().stream().mapToLong(AtomicLong::get).sum();
            AtomicLong mine = byRegion.get(region);
            return total == 0 ? 0 : (mine == null ? 0 : mine.get()) / (double) total;
        }

        long answers(String region) {
            AtomicLong mine = byRegion.get(region);
            return mine == null ? 0 : mine.get();
        }

        @Override
        public void close() {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
