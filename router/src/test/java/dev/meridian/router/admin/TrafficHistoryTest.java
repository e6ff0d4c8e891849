package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.health.Outcome;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.router.exchange.RouteTable;
import dev.meridian.router.metrics.RequestMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The traffic history behind {@code GET /admin/traffic}, fed through {@link RequestMeters} (the
 * data path's own meter catalogue) into the same kind of registry the router has, with a clock
 * the test moves.
 */
class TrafficHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T10:00:00Z"));
    private PrometheusMeterRegistry registry;
    private RequestMeters meters;
    private RouteConfig route;
    private TrafficHistory history;

    @BeforeEach
    void setUp() {
        MeridianConfig config = ConfigLoader.create().parse("""
                regions:
                  - {name: us-east4, location: {lat: 39.04, lon: -77.49}, endpoints: ["http://127.0.0.1:9"]}
                  - {name: europe-west2, location: {lat: 51.51, lon: -0.13}, endpoints: ["http://127.0.0.1:19"]}
                routes:
                  - {name: completions, path-prefix: /v2/code/completions}
                """, "test.yaml");
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meters = new RequestMeters(registry, config);
        route = RouteTable.of(config).routeFor("/v2/code/completions");
        history = new TrafficHistory(registry, () -> List.of("us-east4", "europe-west2"), clock, INTERVAL, Duration.ofMinutes(1));
    }

    private void request(String region, int status, long ttfbMillis) {
        RequestMeters.Cell cell = meters.cell(route, region);
        if (status != 0 && !region.equals(RequestMeters.NO_REGION)) {
            cell.firstByte(status, Duration.ofMillis(ttfbMillis).toNanos());
        }
        cell.request(status, RoutingDecision.Reason.GEO, Duration.ofMillis(ttfbMillis + 5).toNanos());
    }

    private JsonNode reply() throws IOException {
        AdminReply reply = history.reply();
        assertThat(reply.status()).isEqualTo(200);
        return JSON.readTree(reply.body());
    }

    private static JsonNode region(JsonNode traffic, String name) {
        for (JsonNode region : traffic.path("regions")) {
            if (region.path("name").asText().equals(name)) {
                return region;
            }
        }
        throw new AssertionError("no " + name + " in " + traffic);
    }

    private void sampleAfter(Duration elapsed) {
        clock.advance(elapsed);
        history.sample();
    }

    @Test
    void eachPointIsTheTrafficOfOneIntervalWithItsErrorsAndPercentiles() throws IOException {
        for (int i = 0; i < 8; i++) {
            request("us-east4", 200, 70); // in the 50..100 ms bucket
        }
        request("us-east4", 503, 300);
        request("us-east4", 502, 700);
        sampleAfter(INTERVAL);
        request("us-east4", 200, 20);
        sampleAfter(INTERVAL);

        JsonNode usEast4 = region(reply(), "us-east4");
        JsonNode first = usEast4.path("points").get(0);
        assertThat(first.path("time").asText()).isEqualTo("2026-12-06T10:00:05Z");
        assertThat(first.path("requests").asLong()).isEqualTo(10);
        assertThat(first.path("errors").asLong()).as("5xx").isEqualTo(2);
        // Ranks 5 of 10 and 9.9 of 10, interpolated in their buckets as histogram_quantile does.
        assertThat(first.path("ttfbP50Ms").asDouble()).isCloseTo(50 + 50 * 5 / 8.0, within(0.1));
        assertThat(first.path("ttfbP99Ms").asDouble()).isCloseTo(500 + 500 * 0.9, within(0.1));
        JsonNode second = usEast4.path("points").get(1);
        assertThat(second.path("requests").asLong()).as("only what came after the first sample").isEqualTo(1);
        assertThat(second.path("ttfbP50Ms").asDouble()).isCloseTo(25, within(0.1));
        assertThat(region(reply(), "europe-west2").path("points").get(1).path("ttfbP50Ms").isNull())
                .as("no requests, no percentile").isTrue();
    }

    @Test
    void lastMinuteAddsUpTheIntervalsOfTheLastMinuteAndOlderOnesLeaveTheWindow() throws IOException {
        for (int interval = 0; interval < 14; interval++) {
            request("europe-west2", 200, 40);
            request("europe-west2", 200, 40);
            sampleAfter(INTERVAL);
        }

        JsonNode europe = region(reply(), "europe-west2");
        assertThat(europe.path("points")).as("a minute of 5 s intervals").hasSize(12);
        JsonNode lastMinute = europe.path("lastMinute");
        assertThat(lastMinute.path("seconds").asDouble()).isEqualTo(60);
        assertThat(lastMinute.path("requests").asLong()).isEqualTo(24);
        assertThat(lastMinute.path("requestsPerSecond").asDouble()).isEqualTo(0.4);
        assertThat(lastMinute.path("errors").asLong()).isZero();
        assertThat(reply().path("intervalSeconds").asDouble()).isEqualTo(5);
        assertThat(reply().path("windowSeconds").asDouble()).isEqualTo(60);
    }

    @Test
    void failoversAreListedNewestFirstWithTheirCountPerInterval() throws IOException {
        meters.failover("us-east4", "europe-west2", Outcome.GATEWAY_FAILURE);
        meters.failover("us-east4", "europe-west2", Outcome.GATEWAY_FAILURE);
        sampleAfter(INTERVAL);
        sampleAfter(INTERVAL);
        meters.failover("europe-west2", "us-east4", null);
        sampleAfter(INTERVAL);

        JsonNode failovers = reply().path("failovers");
        assertThat(failovers).hasSize(2);
        assertThat(failovers.get(0).path("from").asText()).isEqualTo("europe-west2");
        assertThat(failovers.get(0).path("reason").asText()).isEqualTo("overloaded");
        assertThat(failovers.get(0).path("time").asText()).isEqualTo("2026-12-06T10:00:15Z");
        assertThat(failovers.get(1).path("to").asText()).isEqualTo("europe-west2");
        assertThat(failovers.get(1).path("reason").asText()).isEqualTo("gateway_failure");
        assertThat(failovers.get(1).path("count").asLong()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(2));
        history.sample();
        assertThat(reply().path("failovers")).as("gone with the window").isEmpty();
    }

    @Test
    void requestsAnsweredWithoutARegionAreCountedApart() throws IOException {
        request(RequestMeters.NO_REGION, 503, 0);
        request(RequestMeters.NO_REGION, 400, 0);
        sampleAfter(INTERVAL);

        JsonNode traffic = reply();
        assertThat(traffic.path("noRegion").path("lastMinute").path("requests").asLong()).isEqualTo(2);
        assertThat(traffic.path("noRegion").path("lastMinute").path("errors").asLong()).isEqualTo(1);
        assertThat(region(traffic, "us-east4").path("lastMinute").path("requests").asLong()).isZero();
    }

    @Test
    void trafficBeforeTheFirstReadingIsNotCountedAsAnInterval() throws IOException {
        request("us-east4", 200, 10);
        TrafficHistory later = new TrafficHistory(registry, () -> List.of("us-east4"), clock, INTERVAL, Duration.ofMinutes(1));
        clock.advance(INTERVAL);
        later.sample();

        assertThat(JSON.readTree(later.reply().body()).path("regions").get(0).path("points").get(0).path("requests").asLong())
                .isZero();
    }

    @Test
    void quantileInterpolatesInsideTheBucketAndStopsAtTheHighestBound() {
        double[] bounds = {50, 100, 250};
        assertThat(TrafficHistory.quantile(0.5, 4, new long[] {2, 4, 4}, bounds)).isEqualTo(50.0);
        assertThat(TrafficHistory.quantile(0.75, 4, new long[] {2, 4, 4}, bounds)).isEqualTo(75.0);
        assertThat(TrafficHistory.quantile(0.5, 2, new long[] {0, 0, 2}, bounds)).as("empty buckets skipped").isEqualTo(175.0);
        assertThat(TrafficHistory.quantile(0.99, 10, new long[] {1, 2, 5}, bounds)).as("above every bound").isEqualTo(250.0);
        assertThat(TrafficHistory.quantile(0.5, 0, new long[] {0, 0, 0}, bounds)).isNull();
    }

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
