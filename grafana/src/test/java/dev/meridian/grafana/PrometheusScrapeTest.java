package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.testing.ExternalProgram;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules work on real data: a real Prometheus scrapes a real router (through the admin API,
 * with a read token) every second while traffic flows, loads {@code rules/*.yml}, and its API shows
 * the target up, the request histogram and the region gauges for every region, and the recording
 * rules the dashboards and alerts are built on producing a value for every region that served
 * traffic. Skipped without {@code prometheus} on a developer's machine; fails under {@code CI=true}.
 *
 * <p>An integration test by nature, run by Surefire so that {@code ./mvnw verify} runs it; it
 * takes about 10 seconds (Prometheus' rate() needs two scrapes in the window).
 */
class PrometheusScrapeTest {

    /** The whole wait for Prometheus to show everything, shared by every check. */
    private static final Duration BUDGET = Duration.ofSeconds(45);

    @TempDir
    Path dir;

    @Test
    void prometheusScrapesTheRouterAndTheRecordingRulesHaveAValuePerRegion() {
        List<Path> ruleFiles = GrafanaContent.ruleFiles();
        assertThat(ruleFiles).as("rule files in %s/rules", GrafanaContent.dir()).isNotEmpty();
        ExternalProgram prometheus = ExternalProgram.require("prometheus", "install Debian's prometheus");

        try (RouterUnderTest router = RouterUnderTest.start(dir.resolve("router"));
                RouterUnderTest.Traffic traffic = router.startTraffic(Duration.ofMillis(100), 5_000, Duration.ofSeconds(90));
                PrometheusServer server = PrometheusServer.start(prometheus, dir.resolve("prometheus"), PrometheusServer.config(
                        "127.0.0.1:" + router.adminAddress().getPort(), RouterUnderTest.READ_TOKEN, ruleFiles))) {
            long deadline = System.nanoTime() + BUDGET.toNanos();

            awaitQuery(server, deadline, "up{job=\"meridian\"} == 1",
                    result -> assertThat(result).as("the meridian target is up").isNotEmpty());
            awaitQuery(server, deadline, "meridian_region_available", result -> assertThat(byRegion(result).keySet())
                    .as("regions with meridian_region_available").containsExactlyInAnyOrderElementsOf(router.regions()));
            awaitQuery(server, deadline, "sum by (region) (meridian_requests_seconds_count)",
                    result -> assertThat(byRegion(result).keySet()).as("regions with meridian_requests_seconds_count")
                            .containsAll(router.regions()));

            assertThat(router.regionsWithTraffic()).as("regions that served traffic").containsAll(router.regions());
            awaitQuery(server, deadline, "region:meridian_requests:rate5m", result -> {
                Map<String, Double> rates = byRegion(result);
                assertThat(rates.keySet()).as("regions of region:meridian_requests:rate5m").containsAll(router.regionsWithTraffic());
                assertThat(rates.values()).as("request rates").allSatisfy(rate -> assertThat(rate).isPositive());
            });
            for (String ratio : List.of("region:meridian_apdex:ratio_rate5m", "region:meridian_error:ratio_rate5m")) {
                awaitQuery(server, deadline, ratio, result -> {
                    Map<String, Double> values = byRegion(result);
                    assertThat(values.keySet()).as("regions of %s", ratio).containsAll(router.regionsWithTraffic());
                    assertThat(values.values()).as("%s values", ratio).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
                });
            }
            awaitQuery(server, deadline, "region:meridian_error:ratio_rate5m{region=\"" + RouterUnderTest.FAILING_REGION + "\"} > 0",
                    result -> assertThat(result).as("the failing region has an error ratio above 0").isNotEmpty());
            assertThat(traffic.rounds()).as("traffic rounds sent while Prometheus scraped").isPositive();
        }
    }

    /**
     * Polls {@code promql} until {@code check} accepts its result or the shared deadline passes;
     * on timeout the failure shows the last result and Prometheus' log.
     */
    private static void awaitQuery(PrometheusServer server, long deadline, String promql, Consumer<JsonNode> check) {
        long left = Math.max(Duration.ofSeconds(1).toNanos(), deadline - System.nanoTime());
        JsonNode[] last = new JsonNode[1];
        try {
            Awaitility.await(promql)
                    .atMost(Duration.ofNanos(left))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        last[0] = server.query(promql);
                        check.accept(last[0]);
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Prometheus never answered " + promql + " as expected; last result: " + last[0]
                    + "\n" + e.getMessage() + "\nprometheus log:\n" + server.log(), e);
        }
    }

    /** An instant vector's samples by their {@code region} label. */
    private static Map<String, Double> byRegion(JsonNode result) {
        Map<String, Double> out = new TreeMap<>();
        for (JsonNode sample : result) {
            out.put(sample.path("metric").path("region").asText("(no region label)"),
                    Double.parseDouble(sample.path("value").path(1).asText("NaN")));
        }
        return out;
    }
}
