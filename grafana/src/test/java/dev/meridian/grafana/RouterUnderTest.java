package dev.meridian.grafana;

import dev.meridian.config.AccessLogConfig;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.BreakerConfig;
import dev.meridian.config.CidrRange;
import dev.meridian.config.GeoConfig;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.ListenConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimHeaders;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real router in front of three regions of one simulated gateway each, with its admin API (and
 * so {@code GET /metrics}), everything on loopback with ephemeral ports, and a client that drives
 * the traffic whose metrics the dashboards and rules are about.
 *
 * <p>Clients say where they are with a trusted location header, so each place is served by its
 * nearest region: New York by {@code us-east4}, London by {@code europe-west2}, Tokyo by
 * {@code asia-northeast1}. {@code asia-northeast1} answers half of its requests with 503, so the
 * traffic has 5xx responses (on the {@code single-attempt} route, which does not retry), retries
 * and failovers to another region (on {@code completions}, which does), besides 2xx, 4xx (a 422
 * the gateway is told to answer), streams ({@code suggestions}), hedges (a request slower than
 * the {@code completions} route's hedge delay) and errors Meridian answers itself (a first-byte
 * timeout, a request line too long).
 *
 * <p>Health is set up so that the failing region stays in rotation and keeps producing those
 * outcomes: outlier ejection needs 1000 failures in a row and the breaker a 100% failure rate.
 * Probes run every 500 ms so the region gauges (probe RTT, healthy endpoints) have values.
 *
 * <pre>{@code
 * try (RouterUnderTest router = RouterUnderTest.start(tempDir)) {
 *     router.drive(10);
 *     MetricsScrape scrape = MetricsScrape.parse(router.scrape());
 * }
 * }</pre>
 */
final class RouterUnderTest implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouterUnderTest.class);

    /** The read token of the admin API: {@code /metrics} needs one. */
    static final String READ_TOKEN = "grafana-read-0123456789abcdef";
    static final String FAILING_REGION = "asia-northeast1";
    static final String LOCATION_HEADER = "X-Client-Geo-Location";
    static final Duration HEDGE_DELAY = Duration.ofMillis(150);
    static final Duration SINGLE_ATTEMPT_FIRST_BYTE = Duration.ofMillis(500);

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final String COMPLETIONS = "/v2/code/completions";

    /** Where clients are ({@code lat,lon}), each nearest to one region. */
    enum Client {
        NEW_YORK("40.71,-74.01"),   // us-east4
        LONDON("51.51,-0.13"),      // europe-west2
        TOKYO("35.68,139.69");      // asia-northeast1

        final String location;

        Client(String location) {
            this.location = location;
        }
    }

    private record RegionSite(String name, GeoPoint location) {}

    private static final List<RegionSite> SITES = List.of(
            new RegionSite("us-east4", new GeoPoint(39.04, -77.49)),
            new RegionSite("europe-west2", new GeoPoint(51.51, -0.13)),
            new RegionSite("asia-northeast1", new GeoPoint(35.69, 139.69)));

    private final Map<String, SimulatedGateway> gateways;
    private final MeridianServer router;
    private final AdminServer admin;
    private final HttpClient http;
    private final Map<String, LongAdder> byRegion = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byStatusClass = new ConcurrentHashMap<>();
    private final LongAdder completionsSent = new LongAdder();
    private final AtomicLong rounds = new AtomicLong();

    private RouterUnderTest(Map<String, SimulatedGateway> gateways, MeridianServer router, AdminServer admin) {
        this.gateways = gateways;
        this.router = router;
        this.admin = admin;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /**
     * Starts the gateways, the router and its admin API. The admin state and audit files and the
     * access log go to {@code stateDir}.
     */
    static RouterUnderTest start(Path stateDir) {
        Map<String, SimulatedGateway> gateways = new LinkedHashMap<>();
        MeridianServer router = null;
        try {
            for (RegionSite site : SITES) {
                gateways.put(site.name(), SimulatedGateway.start(GatewayConfig.of(site.name() + "-1")));
            }
            gateways.get(FAILING_REGION).setFault(Fault.errors(503, 0.5));
            router = MeridianServer.start(config(gateways, stateDir));
            AdminServer admin = AdminServer.start(router, null);
            log.info("router on 127.0.0.1:{}, admin API on {}, regions {}", router.port(), admin.address(), gateways.keySet());
            return new RouterUnderTest(gateways, router, admin);
        } catch (RuntimeException e) {
            if (router != null) {
                router.close();
            }
            gateways.values().forEach(SimulatedGateway::close);
            throw e;
        }
    }

    /** The configuration, built as records rather than parsed, so that the fixture states every choice. */
    static MeridianConfig config(Map<String, SimulatedGateway> gateways, Path stateDir) {
        List<RegionConfig> regions = new ArrayList<>();
        for (RegionSite site : SITES) {
            regions.add(new RegionConfig(site.name(), site.location(), 100, List.of(gateways.get(site.name()).baseUri())));
        }
        TimeoutConfig timeouts = new TimeoutConfig(
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10));
        List<RouteConfig> routes = List.of(
                new RouteConfig("completions", "/v2/code/completions", timeouts)
                        .withRetry(RetryConfig.ofDefaults().withMaxAttempts(3).withNonIdempotent(true))
                        .withHedge(HedgeConfig.ofDefaults().withEnabled(true).withDelay(HEDGE_DELAY)),
                new RouteConfig("single-attempt", "/v2/completions", new TimeoutConfig(
                        Duration.ofSeconds(1), SINGLE_ATTEMPT_FIRST_BYTE, Duration.ofSeconds(5), Duration.ofSeconds(10)))
                        .withRetry(RetryConfig.ofDefaults().withMaxAttempts(1)),
                new RouteConfig("suggestions", "/v4/code/suggestions", timeouts));
        HealthConfig health = HealthConfig.ofDefaults()
                .withProbe(new ProbeConfig(true, "/monitoring/healthz", Duration.ofMillis(500), 0.2, Duration.ofSeconds(1), 2, 2))
                .withOutlier(new OutlierConfig(OutlierConfig.MAX_CONSECUTIVE_FAILURES, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, true))
                .withBreaker(new BreakerConfig(100, 100, Duration.ofSeconds(30), Duration.ofSeconds(10), 10, Duration.ofSeconds(10), 3));
        GeoConfig geo = GeoConfig.ofDefaults()
                .withTrustedProxies(List.of(CidrRange.parse("127.0.0.1/32")))
                .withLocationHeaders(List.of(LOCATION_HEADER));
        AdminConfig admin = new AdminConfig("127.0.0.1", 0,
                List.of(new AdminToken("grafana", READ_TOKEN, AdminToken.Scope.READ)))
                .withStateFile(stateDir.resolve("state.json").toAbsolutePath())
                .withAuditFile(stateDir.resolve("audit.jsonl").toAbsolutePath());
        return MeridianConfig.builder(regions)
                .listen(new ListenConfig("127.0.0.1", 0))
                .admin(admin)
                .geo(geo)
                .health(health)
                // A file, not standard output: lines written straight to the test JVM's stdout
                // corrupt Surefire's channel to its forked JVM.
                .accessLog(AccessLogConfig.ofDefaults().withFile(stateDir.resolve("access.log").toAbsolutePath()))
                .routes(routes)
                .build();
    }

    /** The configured region names, in order. */
    List<String> regions() {
        return List.copyOf(gateways.keySet());
    }

    InetSocketAddress adminAddress() {
        return admin.address();
    }

    int port() {
        return router.port();
    }

    SimulatedGateway gateway(String region) {
        return gateways.get(region);
    }

    /** {@code GET /metrics} in the Prometheus text format. */
    String scrape() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + admin.address().getPort() + "/metrics"))
                .header("Authorization", "Bearer " + READ_TOKEN)
                .header("Accept", "text/plain; version=0.0.4")
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics: " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /**
     * Sends {@code count} rounds of the traffic mix, one request at a time. Each round: a code
     * completion from each place, a single-attempt completion from each place, a streamed
     * suggestion from New York, a completion the gateway answers with 422 from London; every
     * fifth round also a completion slower than the hedge delay from New York, and every tenth
     * one a single-attempt completion slower than its first-byte timeout (504) and a completion
     * with a request line over the limit (414).
     */
    void drive(int count) {
        for (int i = 0; i < count; i++) {
            round();
        }
    }

    private void round() {
        long n = rounds.incrementAndGet();
        for (Client client : Client.values()) {
            post(client, COMPLETIONS);
            post(client, "/v2/completions");
        }
        post(Client.NEW_YORK, "/v4/code/suggestions", SimHeaders.CHUNKS, "3", SimHeaders.CHUNK_INTERVAL, "1ms");
        post(Client.LONDON, COMPLETIONS, SimHeaders.STATUS, "422");
        if (n % 5 == 1) {
            post(Client.NEW_YORK, COMPLETIONS, SimHeaders.DELAY,
                    HEDGE_DELAY.multipliedBy(2).toMillis() + "ms");
        }
        if (n % 10 == 1) {
            // Errors Meridian answers itself: a first-byte timeout (504) and a request line over the limit (414).
            post(Client.NEW_YORK, "/v2/completions", SimHeaders.DELAY,
                    SINGLE_ATTEMPT_FIRST_BYTE.multipliedBy(2).toMillis() + "ms");
            post(Client.LONDON, COMPLETIONS + "?pad=" + "x".repeat(9 * 1024));
        }
    }

    /** Sends one POST with a small JSON body; {@code headers} are name, value pairs. */
    private void post(Client client, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
                .timeout(REQUEST_TIMEOUT)
                .header(LOCATION_HEADER, client.location)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"def hello():\"}"));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = send(request.build());
        if (path.equals(COMPLETIONS)) {
            completionsSent.increment();
        }
        response.headers().firstValue("X-Meridian-Region")
                .ifPresent(region -> byRegion.computeIfAbsent(region, r -> new LongAdder()).increment());
        byStatusClass.computeIfAbsent(response.statusCode() / 100 + "xx", c -> new LongAdder()).increment();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.uri(), e);
        }
    }

    /** Responses so far by the region that answered ({@code X-Meridian-Region}). */
    Map<String, Long> responsesByRegion() {
        Map<String, Long> out = new TreeMap<>();
        byRegion.forEach((region, count) -> out.put(region, count.sum()));
        return out;
    }

    /** The regions that answered at least one request so far. */
    Set<String> regionsWithTraffic() {
        return new TreeSet<>(responsesByRegion().keySet());
    }

    /** Responses so far by status class ({@code 2xx}, {@code 5xx}, ...). */
    Map<String, Long> responsesByStatusClass() {
        Map<String, Long> out = new TreeMap<>();
        byStatusClass.forEach((statusClass, count) -> out.put(statusClass, count.sum()));
        return out;
    }

    /** Code completions sent to the router (retries and hedges are attempts of these). */
    long completionsSent() {
        return completionsSent.sum();
    }

    /** Code completions the gateways received: more than were sent when attempts were retried or hedged. */
    long completionAttempts() {
        return gateways.values().stream().mapToLong(g -> g.stats().requestsTo(COMPLETIONS)).sum();
    }

    /**
     * Drives rounds in the background, one every {@code pause}, until closed, {@code maxRounds}
     * rounds were sent, or {@code maxTime} passed, whichever is first.
     */
    Traffic startTraffic(Duration pause, int maxRounds, Duration maxTime) {
        return new Traffic(pause, maxRounds, maxTime);
    }

    /** Background traffic; closing it stops it and waits (bounded) for the round in flight. */
    final class Traffic implements AutoCloseable {

        private final ScheduledExecutorService executor;
        private final AtomicInteger sent = new AtomicInteger();
        private volatile @Nullable Throwable failure;

        private Traffic(Duration pause, int maxRounds, Duration maxTime) {
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "grafana-test-traffic");
                t.setDaemon(true);
                return t;
            });
            long deadline = System.nanoTime() + maxTime.toNanos();
            executor.scheduleWithFixedDelay(() -> {
                if (sent.get() >= maxRounds || System.nanoTime() - deadline > 0) {
                    executor.shutdown();
                    return;
                }
                try {
                    round();
                    sent.incrementAndGet();
                } catch (RuntimeException | AssertionError e) {
                    if (executor.isShutdown()) {
                        return; // closed while a request was in flight: the interrupt is ours
                    }
                    // Keep going: one failed request must not stop the traffic a scrape test waits for.
                    if (failure == null) {
                        log.warn("background traffic: {}", e.toString());
                    }
                    failure = e;
                }
            }, 0, pause.toMillis(), TimeUnit.MILLISECONDS);
        }

        int rounds() {
            return sent.get();
        }

        @Override
        public void close() {
            executor.shutdownNow();
            try {
                if (!executor.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                    log.warn("background traffic did not stop within {}s", REQUEST_TIMEOUT.toSeconds() + 5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            try {
                router.close();
            } finally {
                gateways.values().forEach(SimulatedGateway::close);
            }
        }
    }
}
