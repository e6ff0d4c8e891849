package dev.meridian.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.health.Outcome;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.router.exchange.RouteTable;
import dev.meridian.router.http.ErrorResponse;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalogue is what the request meters register, under the Prometheus names dashboards use. */
class RouterMetersTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MeridianConfig config = MeridianConfig.builder(List.of(RegionConfig.of("us-east4", URI.create("http://127.0.0.1:5001"))))
            .routes(List.of(new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults())))
            .build();

    private void recordOneOfEverything() {
        RequestMeters meters = new RequestMeters(registry, config);
        RouteConfig route = RouteTable.of(config).routeFor("/v2/code/completions");
        RequestMeters.Cell cell = meters.cell(route, "us-east4");
        cell.request(200, RoutingDecision.Reason.GEO, 1_000_000);
        cell.firstByte(200, 1_000_000);
        cell.attempt(Outcome.SUCCESS);
        cell.retry(null);
        cell.rescued();
        cell.hedge(RequestMeters.HedgeResult.WON);
        cell.grpcStatus(0);
        meters.route(route).retryRefused();
        meters.failover("us-east4", "europe-west2", Outcome.GATEWAY_FAILURE);
        meters.errorResponse(ErrorResponse.NO_UPSTREAM);
        meters.http2ConnectionError("ENHANCE_YOUR_CALM");
        ClientLimitMeters limits = new ClientLimitMeters(registry);
        limits.refused(ClientLimitMeters.Refusal.PER_IP);
        limits.timedOut(ClientLimitMeters.Phase.HEAD);
    }

    @Test
    void everyRegisteredMeterIsACatalogueEntryWithItsTagsAndDescription() {
        recordOneOfEverything();
        assertThat(registry.getMeters()).hasSizeGreaterThan(15);
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            Set<String> keys = id.getTags().stream().map(Tag::getKey).collect(Collectors.toSet());
            assertThat(Arrays.stream(RouterMeters.values())
                    .filter(entry -> entry.meterName().equals(id.getName()))
                    .filter(entry -> Set.copyOf(entry.tagKeys()).equals(keys))
                    .filter(entry -> entry.description().equals(id.getDescription())))
                    .as("%s %s", id.getName(), keys)
                    .hasSize(1);
        }
    }

    @Test
    void thePrometheusNamesAreTheContract() {
        recordOneOfEverything();
        String scrape = registry.scrape();
        for (String name : List.of("meridian_requests_seconds_bucket", "meridian_requests_total",
                "meridian_time_to_first_byte_seconds_bucket", "meridian_apdex_total", "meridian_upstream_attempts_total",
                "meridian_retries_total", "meridian_hedges_total", "meridian_grpc_responses_total",
                "meridian_retries_refused_total", "meridian_failovers_total", "meridian_error_responses_total",
                "meridian_client_http2_errors_total", "meridian_client_connections_refused_total",
                "meridian_client_timeouts_total")) {
            assertThat(scrape).as(name).containsPattern("(?m)^" + name + "\\{");
        }
        assertThat(scrape).contains("reason=\"rescued\"", "reason=\"overloaded\"", "outcome=\"success\"", "status_class=\"2xx\"");
    }

    @Test
    void namesAreSharedOnlyByATimerAndACounter() {
        List<String> shared = Arrays.stream(RouterMeters.values())
                .collect(Collectors.groupingBy(RouterMeters::meterName, Collectors.counting()))
                .entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertThat(shared).containsExactly("meridian.requests");
        assertThat(RouterMeters.REGION_PROBE_RTT.baseUnit()).isEqualTo("seconds");
        assertThat(RouterMeters.GEOIP_DATABASE_BUILD_TIMESTAMP.baseUnit()).isEqualTo("seconds");
    }
}
