package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.config.AccessLogConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.health.HealthReport;
import dev.meridian.health.Outcome;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.regions.RoutingDecision.Reason;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.http.GrpcStatus;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RequestMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The recording of exchanges, without sockets: a real {@link HealthRegistry} and {@link RequestMeters}
 * on a {@link SimpleMeterRegistry}, an access log to a file, a monotonic clock the test moves and a
 * fixed wall clock. {@link TwoRegions}: us-east4 with two endpoints, europe-west2 with one.
 */
class ExchangeRecorderTest {

    private static final long MS = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private long now = 5_000_000 * MS;
    private final TwoRegions regions = new TwoRegions(() -> now);
    private final MeridianConfig config = regions.config;
    private final Region east = regions.east;
    private final Region west = regions.west;
    private final RoutingDecision toEast = new RoutingDecision(east, east.endpoints().get(0), Reason.CONFIG_ORDER);
    private final RoutingDecision toWest = new RoutingDecision(west, west.endpoints().get(0), Reason.FAILOVER);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RequestMeters meters = new RequestMeters(registry, config);
    private final HealthRegistry health = regions.health;
    private final TimeToFirstByteTracker timeToFirstByte = new TimeToFirstByteTracker(() -> now);
    private final RetryBudget budget = new RetryBudget(0.2, 10, 0, () -> now);
    private final Clock wallClock = Clock.fixed(Instant.parse("2026-12-06T12:00:00.250Z"), ZoneOffset.UTC);
    private final List<AccessLog> logs = new ArrayList<>();

    @AfterEach
    void close() {
        regions.close();
        logs.forEach(AccessLog::close);
    }

    private ExchangeRecorder recorder(AccessLog accessLog, String requestId) {
        RoutingRequest routing = new RoutingRequest(InetAddress.getLoopbackAddress(), config.defaultRoute());
        return new ExchangeRecorder(meters, health, timeToFirstByte, budget, accessLog, wallClock, () -> now, routing,
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v2/code/completions?private_token=x"),
                requestId, "4bf92f3577b34da6a3ce929d0e0e4736", now);
    }

    private AccessLog accessLog(Path file) throws IOException {
        AccessLog log = AccessLog.start(new AccessLogConfig(true, file, 100), registry);
        logs.add(log);
        return log;
    }

    /** The lines written once the log is closed (closing writes what is queued). */
    private static List<JsonNode> lines(AccessLog log, Path file) throws IOException {
        log.close();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private double count(String name, String region, String tag, String value) {
        Counter counter = registry.find(name).tags("region", region, tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    private double attempts(String region) {
        return registry.find("meridian.upstream.attempts").tag("region", region).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private int consecutiveFailures(Region region, int endpoint) {
        HealthReport.RegionReport report = health.report().regions().stream()
                .filter(r -> r.name().equals(region.name())).findFirst().orElseThrow();
        return report.endpoints().get(endpoint).consecutiveFailures();
    }

    @Test
    void eachRequestIsOneAccessLogLineStampedByTheInjectedWallClock() throws IOException {
        Path file = dir.resolve("access.jsonl");
        AccessLog log = accessLog(file);
        for (String id : List.of("req-1", "req-2")) {
            ExchangeRecorder recorder = recorder(log, id);
            recorder.requestStarted();
            now += 5 * MS;
            long written = now;
            now += 35 * MS;
            recorder.attemptEnded(toEast, Outcome.SUCCESS, now - written, null, true);
            recorder.firstByte(toEast, 200, written);
            recorder.responseBytes(1000);
            recorder.responseBytes(834);
            now += 10 * MS;
            recorder.requestEnded(toEast, 1);
        }

        List<JsonNode> lines = lines(log, file);

        assertThat(lines).as("one line per request").hasSize(2);
        assertThat(lines).extracting(line -> line.get("request_id").asText()).containsExactly("req-1", "req-2");
        JsonNode first = lines.get(0);
        assertThat(first.get("time").asText()).isEqualTo("2026-12-06T12:00:00.250Z");
        assertThat(first.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(first.get("method").asText()).isEqualTo("POST");
        assertThat(first.get("path").asText()).isEqualTo("/v2/code/completions");
        assertThat(first.get("region").asText()).isEqualTo("us-east4");
        assertThat(first.get("endpoint").asText()).isEqualTo(toEast.endpoint().label());
        assertThat(first.get("status").asInt()).isEqualTo(200);
        assertThat(first.get("bytes").asLong()).isEqualTo(1834);
        assertThat(first.get("ttfb_ms").asDouble()).isEqualTo(40.0);
        assertThat(first.get("duration_ms").asDouble()).isEqualTo(50.0);
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("reason").asText()).isEqualTo("config_order");
    }

    @Test
    void theRequestCountsInTheCellOfTheRegionThatAnsweredWithItsStatusAndReason() {
        ExchangeRecorder recorder = recorder(AccessLog.OFF, "req-1");
        now += 20 * MS;
        recorder.firstByte(toWest, 503, now - 10 * MS);
        recorder.requestEnded(toWest, 2);

        assertThat(count("meridian.requests", "europe-west2", "status_class", "5xx")).isEqualTo(1);
        assertThat(count("meridian.requests", "europe-west2", "reason", "failover")).as("the answering attempt's reason")
                .isEqualTo(1);
        assertThat(count("meridian.requests", "us-east4", "status_class", "5xx")).isZero();
        assertThat(registry.find("meridian.requests").tag("region", "europe-west2").timer().count()).isEqualTo(1);
        assertThat(registry.find("meridian.time.to.first.byte").tag("region", "europe-west2").timer().count())
                .isEqualTo(1);
        assertThat(count("meridian.apdex", "europe-west2", "zone", "satisfied")).as("5xx is outside Apdex").isZero();
    }

    @Test
    void theHedgeDelayReadsTheAttemptsTimeToFirstByteFromItsWriteNotTheRequests() {
        ExchangeRecorder recorder = recorder(AccessLog.OFF, "req-0");
        for (int i = 0; i < TimeToFirstByteTracker.MIN_SAMPLES; i++) {
            recorder = recorder(AccessLog.OFF, "req-" + i);
            now += 500 * MS;
            recorder.firstByte(toEast, 200, now - 10 * MS);
        }

        assertThat(recorder.timeToFirstByteP95("us-east4")).isBetween(10 * MS, 13 * MS);
        assertThat(recorder.timeToFirstByteP95("europe-west2")).as("no samples").isEqualTo(-1);
        assertThat(registry.find("meridian.time.to.first.byte").tag("region", "us-east4").timer().max(
                TimeUnit.MILLISECONDS)).as("the request's, from its head").isEqualTo(500);
    }

    @Test
    void anErrorAnswerIsTheRequestsStatusWithoutATimeToFirstByte() throws IOException {
        Path file = dir.resolve("access.jsonl");
        AccessLog log = accessLog(file);
        ExchangeRecorder recorder = recorder(log, "req-1");
        recorder.errorStatus(504);
        recorder.requestEnded(toEast, 1);

        JsonNode line = lines(log, file).get(0);
        assertThat(line.get("status").asInt()).isEqualTo(504);
        assertThat(line.get("ttfb_ms").isNull()).isTrue();
        assertThat(count("meridian.requests", "us-east4", "status_class", "5xx")).isEqualTo(1);
        assertThat(registry.find("meridian.time.to.first.byte").timer()).isNull();
    }

    @Test
    void eachAttemptsOutcomeReachesHealthAndCountsOnceAsAnAttempt() {
        ExchangeRecorder recorder = recorder(AccessLog.OFF, "req-1");
        recorder.attemptEnded(toEast, Outcome.GATEWAY_FAILURE, 5 * MS, null, true);

        assertThat(consecutiveFailures(east, 0)).isEqualTo(1);
        assertThat(count("meridian.upstream.attempts", "us-east4", "outcome", "gateway_failure")).isEqualTo(1);

        // The same attempt cancelled later (it lost a race): health hears it, the count stays one.
        recorder.attemptEnded(toEast, Outcome.CANCELLED, 9 * MS, null, false);
        assertThat(attempts("us-east4")).as("an attempt is counted by its first outcome").isEqualTo(1);
        assertThat(consecutiveFailures(east, 0)).as("a cancel is not the endpoint's fault").isEqualTo(1);
    }

    @Test
    void noConnectionIsCountedAsOverloadedButNotHeldAgainstTheEndpoint() {
        ExchangeRecorder recorder = recorder(AccessLog.OFF, "req-1");
        recorder.attemptEnded(toEast, Outcome.GATEWAY_FAILURE, 5 * MS, null, true);
        recorder.attemptEnded(toEast, null, 1 * MS, null, true);

        assertThat(count("meridian.upstream.attempts", "us-east4", "outcome", "overloaded")).isEqualTo(1);
        assertThat(consecutiveFailures(east, 0)).as("only the gateway failure").isEqualTo(1);
    }

    @Test
    void retriedAttemptsCountAsAttemptsAndAFailoverAsOne() throws IOException {
        Path file = dir.resolve("access.jsonl");
        AccessLog log = accessLog(file);
        ExchangeRecorder recorder = recorder(log, "req-1");
        RoutingDecision toEast2 = new RoutingDecision(east, east.endpoints().get(1), Reason.CONFIG_ORDER);

        recorder.attemptEnded(toEast, Outcome.GATEWAY_FAILURE, 5 * MS, null, true);
        recorder.retried(toEast, toEast2, Outcome.GATEWAY_FAILURE);
        recorder.attemptEnded(toEast2, Outcome.TIMEOUT, 5 * MS, null, true);
        recorder.retried(toEast2, toWest, Outcome.TIMEOUT);
        now += 30 * MS;
        recorder.attemptEnded(toWest, Outcome.SUCCESS, 20 * MS, null, true);
        recorder.firstByte(toWest, 200, now - 20 * MS);
        recorder.requestEnded(toWest, 3);

        assertThat(attempts("us-east4")).isEqualTo(2);
        assertThat(attempts("europe-west2")).isEqualTo(1);
        assertThat(count("meridian.retries", "us-east4", "reason", "gateway_failure")).isEqualTo(1);
        assertThat(count("meridian.retries", "us-east4", "reason", "timeout")).isEqualTo(1);
        assertThat(registry.find("meridian.failovers").counters()).as("only the retry that left us-east4")
                .singleElement().satisfies(c -> assertThat(c.count()).isEqualTo(1));
        assertThat(consecutiveFailures(east, 0)).isEqualTo(1);
        assertThat(consecutiveFailures(east, 1)).isEqualTo(1);
        assertThat(lines(log, file)).singleElement().satisfies(line -> {
            assertThat(line.get("attempts").asInt()).isEqualTo(3);
            assertThat(line.get("region").asText()).isEqualTo("europe-west2");
            assertThat(line.get("reason").asText()).isEqualTo("failover");
        });
    }

    @Test
    void hedgesRescuesGrpcStatusesAndRefusedRetriesCountInTheirRegion() {
        ExchangeRecorder recorder = recorder(AccessLog.OFF, "req-1");
        recorder.hedgeEnded(toWest, RequestMeters.HedgeResult.WON);
        recorder.rescued(toEast, toWest);
        recorder.grpcStatus(toWest, GrpcStatus.UNAVAILABLE);
        recorder.retryRefused();

        assertThat(count("meridian.hedges", "europe-west2", "result", "won")).isEqualTo(1);
        assertThat(count("meridian.retries", "us-east4", "reason", "rescued")).isEqualTo(1);
        assertThat(registry.find("meridian.failovers").counters()).as("a rescue to another region is a failover")
                .singleElement().satisfies(c -> {
                    assertThat(c.getId().getTag("from_region")).isEqualTo("us-east4");
                    assertThat(c.getId().getTag("to_region")).isEqualTo("europe-west2");
                    assertThat(c.getId().getTag("reason")).isEqualTo("rescued");
                    assertThat(c.count()).isEqualTo(1);
                });
        assertThat(count("meridian.grpc.responses", "europe-west2", "grpc_status",
                GrpcStatus.LABELS[GrpcStatus.UNAVAILABLE])).isEqualTo(1);
        assertThat(registry.find("meridian.grpc.responses").counters()).as("nothing else").hasSize(1);
        assertThat(registry.find("meridian.retries.refused").counters()).singleElement().satisfies(c -> {
            assertThat(c.getId().getTag("route")).isEqualTo(config.defaultRoute().name());
            assertThat(c.count()).isEqualTo(1);
        });
    }

    @Test
    void aRequestEarnsTheRetryBudgetItsShare() {
        // Ratio 0.2, no floor: nothing before a request, five requests earn one retry.
        assertThat(budget.tryAcquire()).isFalse();
        for (int i = 0; i < 5; i++) {
            recorder(AccessLog.OFF, "req-" + i).requestStarted();
        }
        assertThat(budget.tryAcquire()).isTrue();
    }

    @ParameterizedTest(name = "Retry-After \"{0}\" -> {1} s")
    @CsvSource(nullValues = "none", value = {
        "120, 120", "7, 7", "0, 0", "86400, 86400", "86401, none", "-1, none",
        "'Wed, 21 Oct 2026 07:28:00 GMT', none", "soon, none"})
    void aRateLimitsRetryAfterIsReadAsDelaySecondsUpToADay(String header, @Nullable Long seconds) {
        DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, header);

        assertThat(ExchangeRecorder.retryAfter(response)).isEqualTo(seconds == null ? null : Duration.ofSeconds(seconds));
    }

    @Test
    void aRateLimitWithoutRetryAfterLeavesTheDefault() {
        assertThat(ExchangeRecorder.retryAfter(
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS))).isNull();
    }
}
