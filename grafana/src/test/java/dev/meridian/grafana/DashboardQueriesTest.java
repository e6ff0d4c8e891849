package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards and rules query metrics that exist: every metric name in every panel query,
 * template variable, annotation and rule expression is either in a live scrape of a router that
 * has served real traffic (2xx, 4xx, 5xx, retries, failovers, hedges, streams, in three regions),
 * or a recording rule of {@code rules/*.yml}. A renamed meter or a typo in a query fails here
 * instead of showing an empty panel in production. Also: each dashboard has a unique uid, a
 * datasource variable, and a title on every panel; and the state-store gauges the fleet alerts
 * compare still have numbers after a garbage collection (a gauge whose object was collected reads
 * NaN, and {@code NaN == 0} or {@code NaN < x} never fires).
 */
class DashboardQueriesTest {

    /** Series Prometheus makes itself, for every target and for alerts: queries may use them. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up", "scrape_duration_seconds",
            "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
            "ALERTS", "ALERTS_FOR_STATE");

    private static final int ROUNDS = 20;

    @TempDir
    static Path stateDir;

    private static RouterUnderTest router;
    private static MetricsScrape scrape;

    @BeforeAll
    static void startTheRouterAndDriveTraffic() {
        router = RouterUnderTest.start(stateDir);
        router.drive(ROUNDS);
        scrape = MetricsScrape.parse(router.scrape());
    }

    @AfterAll
    static void stop() {
        if (router != null) {
            router.close();
        }
    }

    @Test
    void thereAreDashboardsAndRulesToCheck() {
        assertThat(GrafanaContent.dashboards()).as("dashboards in %s/dashboards", GrafanaContent.dir()).isNotEmpty();
        assertThat(GrafanaContent.ruleFiles()).as("rule files in %s/rules", GrafanaContent.dir()).isNotEmpty();
    }

    @Test
    void theTrafficHasEveryOutcomeTheDashboardsShow() {
        assertThat(router.responsesByRegion().keySet()).as("regions that answered")
                .containsExactlyInAnyOrderElementsOf(router.regions());
        assertThat(router.responsesByStatusClass()).as("responses by status class")
                .containsKeys("2xx", "4xx", "5xx");
        assertThat(router.completionAttempts()).as("completion attempts the gateways got (retries, hedges) "
                + "vs completions sent (the 414s never reach a gateway)").isGreaterThan(router.completionsSent());
        assertThat(scrape.series()).as("the scrape is the router's Prometheus text").contains("jvm_memory_used_bytes");
    }

    @Test
    void everyDashboardHasAUniqueUidADatasourceVariableAndATitleOnEveryPanel() {
        List<String> problems = new ArrayList<>();
        Map<String, String> uids = new HashMap<>();
        for (Path file : GrafanaContent.dashboards()) {
            String name = GrafanaContent.name(file);
            JsonNode dashboard = GrafanaContent.readDashboard(file);
            String uid = dashboard.path("uid").asText("");
            if (uid.isBlank()) {
                problems.add(name + ": no uid");
            } else {
                String first = uids.putIfAbsent(uid, name);
                if (first != null) {
                    problems.add(name + ": uid '" + uid + "' is also the uid of " + first);
                }
            }
            if (dashboard.path("title").asText("").isBlank()) {
                problems.add(name + ": no dashboard title");
            }
            boolean datasourceVariable = false;
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (variable.path("type").asText("").equals("datasource")
                        && variable.path("query").asText("").equals("prometheus")) {
                    datasourceVariable = true;
                }
            }
            if (!datasourceVariable) {
                problems.add(name + ": no datasource variable (templating.list entry with type 'datasource' and "
                        + "query 'prometheus'), so the dashboard is tied to one Prometheus");
            }
            for (JsonNode panel : GrafanaContent.panels(dashboard)) {
                if (panel.path("title").asText("").isBlank()) {
                    problems.add(name + ": " + GrafanaContent.describePanel(panel) + " has no title");
                }
            }
        }
        assertThat(problems).withFailMessage(() -> "dashboard problems:\n" + String.join("\n", problems)).isEmpty();
    }

    @Test
    void everyMetricADashboardQueriesIsExportedOrRecorded() {
        assertEveryMetricIsExportedOrRecorded(GrafanaContent.dashboards(), GrafanaContent::dashboardQueries,
                "PromQL queries in the dashboards", "dashboard queries");
    }

    @Test
    void everyMetricARuleQueriesIsExportedOrRecorded() {
        assertEveryMetricIsExportedOrRecorded(GrafanaContent.ruleFiles(), GrafanaContent::ruleQueries,
                "rule expressions", "rule expressions");
    }

    /**
     * The queries of {@code files} (there are some: {@code found}) name only metrics a live scrape of
     * the router after traffic exports, or a recording rule records ({@code where} in the message).
     */
    private static void assertEveryMetricIsExportedOrRecorded(List<Path> files,
            Function<Path, List<GrafanaContent.Query>> queriesOf, String found, String where) {
        List<GrafanaContent.Query> queries = new ArrayList<>();
        files.forEach(file -> queries.addAll(queriesOf.apply(file)));
        assertThat(queries).as(found).isNotEmpty();

        List<String> unknown = unknownMetrics(queries);

        assertThat(unknown).withFailMessage(() -> unknown.size() + " unknown metric(s) in " + where
                + " (neither in a live scrape of the router after traffic, nor a recording rule):\n"
                + String.join("\n", unknown)).isEmpty();
    }

    @Test
    void theStateStoreGaugesHaveValuesAfterAGarbageCollection() {
        // A collection that cleared weak references has run: a weakly held gauge would read NaN now.
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        Awaitility.await("a garbage collection that clears weak references").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    System.gc();
                    return sentinel.get() == null;
                });
        String text = router.scrape();

        // Without a fleet the router keeps its state in a file: store="file", fleet="local".
        assertThat(sample(text, "meridian_state_store_up")).as("meridian_state_store_up of the state file").isEqualTo(1.0);
        assertThat(sample(text, "meridian_state_revision")).as("meridian_state_revision of the state file")
                .isNotNaN().isGreaterThanOrEqualTo(0.0);
        assertThat(sample(text, "meridian_state_watch_restarts_total")).as("meridian_state_watch_restarts_total").isZero();
        assertThat(scrape.type("meridian_state_apply_lag_seconds")).as("type of meridian_state_apply_lag_seconds")
                .isEqualTo("histogram");
    }

    /** The value of the one sample of {@code name} with {@code store="file"} and {@code fleet="local"} in a scrape. */
    private static double sample(String text, String name) {
        List<String> lines = text.lines()
                .filter(l -> l.startsWith(name + "{") && l.contains("store=\"file\"") && l.contains("fleet=\"local\""))
                .toList();
        assertThat(lines).as("samples of %s{store=\"file\",fleet=\"local\"}", name).hasSize(1);
        String line = lines.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf('}') + 1).strip().split("\\s+")[0]);
    }

    /** One line per unknown name: file, panel (or rule), the name, a hint when there is one, the query. */
    private static List<String> unknownMetrics(List<GrafanaContent.Query> queries) {
        Set<String> recorded = GrafanaContent.recordingRules();
        List<String> unknown = new ArrayList<>();
        for (GrafanaContent.Query query : queries) {
            for (String metric : query.metricNames()) {
                if (scrape.has(metric) || recorded.contains(metric) || PROMETHEUS_SERIES.contains(metric)) {
                    continue;
                }
                String hint = scrape.hint(metric);
                unknown.add(query.file() + ", " + query.where() + ": unknown metric '" + metric + "'"
                        + (hint != null ? " (" + hint + ")" : "") + "\n    in: " + query.expr().strip().replaceAll("\\s+", " "));
            }
        }
        return unknown;
    }
}
