package dev.meridian.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.proxy.ProxyFixture;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.testing.RouterFixture;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's metrics and access log, end to end: two regions of simulated gateways, clients in
 * New York (nearest us-east4, next europe-west2), the scrape read back sample by sample.
 */
class MetricsProxyTest {

    private static final String NEW_YORK = RouterFixture.NEW_YORK;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(() -> RouterFixture.builder()
            .locationHeader()
            .set("retries", "{min-per-second: 1000}")
            .set("access-log", "{file: \"" + accessLog() + "\"}")
            .region("us-east4", 2)
            .region("europe-west2", 1)
            .route("completions", "/v2/code/completions", "retry: {max-attempts: 3, non-idempotent: true}",
                    "apdex: {satisfied: 250ms, tolerated: 1s}"));
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Path accessLog() {
        return dir.resolve("access.jsonl");
    }

    private List<SimulatedGateway> east() {
        return fixture.gateways("us-east4");
    }

    @Test
    void requestsAreCountedByRegionRouteStatusClassAndReason() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(completion(null, null).statusCode()).isEqualTo(200);
        }
        assertThat(completion("500ms", null).statusCode()).isEqualTo(200);
        assertThat(completion("500ms", null).statusCode()).isEqualTo(200);
        assertThat(completion("1500ms", null).statusCode()).isEqualTo(200);
        assertThat(completion(null, "404").statusCode()).isEqualTo(404);

        Scrape scrape = scrape();
        String[] east4 = {"region", "us-east4", "route", "completions"};
        assertThat(scrape.value("meridian_requests_seconds_count", with(east4, "status_class", "2xx"))).isEqualTo(9);
        assertThat(scrape.value("meridian_requests_seconds_count", with(east4, "status_class", "4xx"))).isEqualTo(1);
        assertThat(scrape.sum("meridian_requests_seconds_sum", east4)).as("at least the injected delays").isGreaterThan(2.5);
        assertThat(scrape.value("meridian_requests_total", with(east4, "status_class", "2xx", "reason", "geo"))).isEqualTo(9);
        assertThat(scrape.value("meridian_requests_total", with(east4, "status_class", "4xx", "reason", "geo"))).isEqualTo(1);
        assertThat(scrape.value("meridian_time_to_first_byte_seconds_count", east4)).isEqualTo(10);
        assertThat(scrape.value("meridian_apdex_total", with(east4, "zone", "satisfied"))).isEqualTo(7);
        assertThat(scrape.value("meridian_apdex_total", with(east4, "zone", "tolerating"))).isEqualTo(2);
        assertThat(scrape.value("meridian_apdex_total", with(east4, "zone", "frustrated"))).isEqualTo(1);
        assertThat(scrape.value("meridian_upstream_attempts_total", with(east4, "outcome", "success"))).isEqualTo(9);
        assertThat(scrape.value("meridian_upstream_attempts_total", with(east4, "outcome", "client_error"))).isEqualTo(1);
        assertThat(scrape.find("meridian_requests_total", "region", "europe-west2")).as("no traffic there").isEmpty();

        Set<String> buckets = scrape.find("meridian_time_to_first_byte_seconds_bucket", east4).stream()
                .map(s -> s.labels().get("le")).collect(Collectors.toSet());
        assertThat(buckets).containsExactlyInAnyOrder(
                "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "+Inf");
        assertThat(scrape.value("meridian_time_to_first_byte_seconds_bucket", with(east4, "le", "1.0")))
                .as("the 1.5 s one is slower").isEqualTo(9);
        assertThat(scrape.value("meridian_time_to_first_byte_seconds_bucket", with(east4, "le", "+Inf"))).isEqualTo(10);
    }

    @Test
    void aFailingRegionShowsInAttemptsRetriesAndFailovers() throws Exception {
        east().forEach(g -> g.setFault(Fault.errors(503, 1.0)));

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = completion(null, null);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("x-meridian-region")).hasValue("europe-west2");
        }

        Scrape scrape = scrape();
        assertThat(scrape.value("meridian_requests_total", "region", "europe-west2", "route", "completions",
                "status_class", "2xx", "reason", "failover")).isEqualTo(5);
        assertThat(scrape.sum("meridian_upstream_attempts_total", "region", "us-east4", "outcome", "gateway_failure"))
                .as("each request tried us-east4 once before it failed over").isEqualTo(5);
        assertThat(scrape.value("meridian_retries_total", "region", "us-east4", "route", "completions",
                "reason", "gateway_failure")).isEqualTo(5);
        assertThat(scrape.value("meridian_failovers_total", "from_region", "us-east4", "to_region", "europe-west2",
                "reason", "gateway_failure")).isEqualTo(5);
        assertThat(scrape.value("meridian_upstream_attempts_total", "region", "europe-west2", "route", "completions",
                "outcome", "success")).isEqualTo(5);

        // Every region down: Meridian answers itself, and says so.
        east().forEach(SimulatedGateway::down);
        fixture.gateway("europe-west2").down();
        assertThat(completion(null, null).statusCode()).isEqualTo(502);
        Scrape after = scrape();
        assertThat(after.value("meridian_error_responses_total", "error", "upstream_unavailable")).isEqualTo(1);
        assertThat(after.sum("meridian_requests_seconds_count", "route", "completions", "status_class", "5xx")).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accessLines().size() == 6);
        int attempts = accessLines().get(5).get("attempts").asInt();
        assertThat(attempts).as("refused by every endpoint not ejected, up to max-attempts").isBetween(2, 3);
        assertThat(after.sum("meridian_upstream_attempts_total", "outcome", "gateway_failure")).isEqualTo(5 + attempts);
    }

    @Test
    void regionStateFollowsHealthAndAdminChanges() throws Exception {
        assertThat(completion(null, null).statusCode()).isEqualTo(200);

        Scrape scrape = scrape();
        assertThat(scrape.value("meridian_region_available", "region", "us-east4")).isEqualTo(1);
        assertThat(scrape.value("meridian_region_available", "region", "europe-west2")).isEqualTo(1);
        assertThat(scrape.value("meridian_region_weight", "region", "us-east4")).isEqualTo(100);
        assertThat(scrape.value("meridian_region_drained", "region", "us-east4")).isZero();
        assertThat(scrape.value("meridian_region_dial_ratio", "region", "us-east4")).as("nobody turned it").isEqualTo(1);
        assertThat(scrape.value("meridian_region_endpoints", "region", "us-east4")).isEqualTo(2);
        assertThat(scrape.value("meridian_region_healthy_endpoints", "region", "us-east4")).isEqualTo(2);
        assertThat(scrape.value("meridian_region_healthy_endpoints", "region", "europe-west2")).isEqualTo(1);
        assertThat(scrape.value("meridian_region_breaker_state", "region", "us-east4", "state", "closed")).isEqualTo(1);
        assertThat(scrape.value("meridian_region_breaker_state", "region", "us-east4", "state", "open")).isZero();
        assertThat(scrape.value("meridian_region_probe_rtt_seconds", "region", "us-east4")).as("probes are off").isNaN();
        assertThat(scrape.value("meridian_region_capacity", "region", "us-east4")).isEqualTo(1);
        assertThat(scrape.find("meridian_endpoint_available", "region", "us-east4")).hasSize(2)
                .allSatisfy(s -> assertThat(s.value()).isEqualTo(1));
        assertThat(scrape.sum("meridian_endpoint_ejections_total", "region", "us-east4")).isZero();
        assertThat(scrape.sum("meridian_endpoint_outstanding_requests", "region", "us-east4")).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                scrape().value("meridian_upstream_connections", "region", "us-east4", "state", "idle"))
                .as("the connection went back to its pool").isEqualTo(1));
        assertThat(scrape.value("meridian_upstream_pending_acquires", "region", "us-east4")).isZero();
        assertThat(scrape.find("netty_allocator_memory_used")).isNotEmpty();
        assertThat(scrape.find("netty_eventexecutor_tasks_pending")).isNotEmpty();
        assertThat(scrape.find("jvm_gc_memory_allocated_bytes_total")).isNotEmpty();
        assertThat(scrape.find("process_files_open_files")).isNotEmpty();

        fixture.router().applyOverrides(RegionOverrides.NONE.withDial("europe-west2", new RegionDial(35, 35, true, "sre")));
        assertThat(scrape().value("meridian_region_dial_ratio", "region", "europe-west2")).isEqualTo(0.35);

        fixture.router().applyOverrides(RegionOverrides.NONE.withDrained("us-east4", true));

        Scrape drained = scrape();
        assertThat(drained.value("meridian_region_weight", "region", "us-east4")).isZero();
        assertThat(drained.value("meridian_region_drained", "region", "us-east4")).isEqualTo(1);
        assertThat(drained.value("meridian_region_available", "region", "us-east4")).isZero();
        assertThat(drained.value("meridian_region_available", "region", "europe-west2")).isEqualTo(1);
    }

    @Test
    void randomPathsAndHeadersDoNotAddSeries() throws Exception {
        sendRandom(1_000);
        Scrape before = scrape();

        Set<String> tokens = sendRandom(10_000);

        Scrape after = scrape();
        assertThat(after.seriesCount()).as("series after 10,000 random requests").isEqualTo(before.seriesCount());
        Set<String> labelValues = new HashSet<>();
        after.samples().forEach(s -> labelValues.addAll(s.labels().values()));
        assertThat(labelValues).doesNotContainAnyElementsOf(tokens);
        assertThat(after.sum("meridian_requests_seconds_count") - before.sum("meridian_requests_seconds_count"))
                .as("every request counted").isEqualTo(10_000);
    }

    @Test
    void everyRequestHasOneAccessLogLineWithItsTraceId() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> traced = http.send(HttpRequest.newBuilder(uri("/echo?token=secret"))
                .header("traceparent", traceparent).header("X-Request-ID", "traced-1")
                .header("X-Client-Geo-Location", NEW_YORK).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> untraced = http.send(HttpRequest.newBuilder(uri("/echo"))
                .header("X-Request-ID", "untraced-1").header("X-Client-Geo-Location", NEW_YORK).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String refused = rawExchange("GET /echo HTTP/1.1\r\nHost: meridian\r\nX-Request-ID: refused-1\r\n"
                + "Expect: the-unexpected\r\n\r\n");

        assertThat(traced.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(traced.body()).get("headers").toString()).as("passed through").contains(traceparent);
        assertThat(refused).startsWith("HTTP/1.1 417 ");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accessLines().size() == 3);
        List<JsonNode> lines = accessLines();

        JsonNode first = lines.get(0);
        assertThat(first.get("request_id").asText()).isEqualTo("traced-1");
        assertThat(first.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(first.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(first.get("method").asText()).isEqualTo("GET");
        assertThat(first.get("path").asText()).isEqualTo("/echo");
        assertThat(first.get("route").asText()).isEqualTo("default");
        assertThat(first.get("region").asText()).isEqualTo("us-east4");
        assertThat(first.get("endpoint").asText()).startsWith("127.0.0.1:");
        assertThat(first.get("status").asInt()).isEqualTo(200);
        assertThat(first.get("bytes").asLong()).isEqualTo(traced.body().getBytes(StandardCharsets.UTF_8).length);
        assertThat(first.get("ttfb_ms").asDouble()).isPositive().isLessThanOrEqualTo(first.get("duration_ms").asDouble());
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("reason").asText()).isEqualTo("geo");

        JsonNode second = lines.get(1);
        String upstreamTraceparent = JSON.readTree(untraced.body()).get("headers").get("traceparent").get(0).asText();
        assertThat(upstreamTraceparent).as("a new trace").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        assertThat(second.get("trace_id").asText()).isEqualTo(upstreamTraceparent.substring(3, 35));

        JsonNode third = lines.get(2);
        assertThat(third.get("request_id").asText()).isEqualTo("refused-1");
        assertThat(third.get("status").asInt()).isEqualTo(417);
        assertThat(third.get("region").isNull()).as("no region was asked").isTrue();
        assertThat(third.get("attempts").asInt()).isZero();
    }

    private HttpResponse<String> completion(String delay, String status) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v2/code/completions"))
                .header("X-Client-Geo-Location", NEW_YORK)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"def fib(\"}"));
        if (delay != null) {
            request.header("X-Sim-Delay", delay);
        }
        if (status != null) {
            request.header("X-Sim-Status", status);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} requests with random paths and headers over 8 connections; returns the random tokens used. */
    private Set<String> sendRandom(int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> tokens = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int share = n / 8 + (t < n % 8 ? 1 : 0);
                done.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < share; i++) {
                        String token = Long.toHexString(random.nextLong() | Long.MIN_VALUE);
                        tokens.add(token);
                        String path = random.nextBoolean() ? "/v2/code/completions/" + token : "/" + token + "/x?q=" + token;
                        HttpRequest request = HttpRequest.newBuilder(uri(path))
                                .header("X-Client-Geo-Location", NEW_YORK)
                                .header("X-Request-ID", "id-" + token)
                                .header("User-Agent", "agent/" + token)
                                .header("X-" + token, token)
                                .header("traceparent", "00-" + token + token + "-" + token + "-01")
                                .timeout(Duration.ofSeconds(10))
                                .GET().build();
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        assertThat(response.statusCode()).isLessThan(500);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return tokens;
    }

    /** Sends {@code request} as raw bytes on a new connection and reads until the router closes it. */
    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fixture.router().port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private List<JsonNode> accessLines() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(accessLog())) {
            for (String line : Files.readAllLines(accessLog(), StandardCharsets.UTF_8)) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private Scrape scrape() {
        return new Scrape(((PrometheusMeterRegistry) fixture.router().meterRegistry()).scrape());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + fixture.router().port() + path);
    }

    private static String[] with(String[] base, String... more) {
        String[] out = new String[base.length + more.length];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }
}
