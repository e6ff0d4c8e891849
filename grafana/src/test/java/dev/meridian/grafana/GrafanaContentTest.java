package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrafanaContentTest {

    @TempDir
    Path dir;

    @Test
    void queriesAreFoundInPanelsNestedRowsOldRowsVariablesAndAnnotations() throws IOException {
        Path file = dir.resolve("d.json");
        Files.writeString(file, """
                {"dashboard": {
                  "uid": "u",
                  "templating": {"list": [
                    {"type": "datasource", "name": "datasource", "query": "prometheus"},
                    {"type": "query", "name": "region", "definition": "label_values(v_def, region)",
                     "query": {"query": "label_values(v_obj, region)", "refId": "A"}},
                    {"type": "query", "name": "route", "query": "label_values(v_str, route)"},
                    {"type": "custom", "name": "window", "query": "5m,1h"}
                  ]},
                  "annotations": {"list": [{"name": "restarts", "expr": "changes(a_expr[5m])"}]},
                  "panels": [
                    {"type": "timeseries", "title": "Top", "targets": [{"refId": "A", "expr": "top"}, {"refId": "B"}]},
                    {"type": "row", "title": "Collapsed", "collapsed": true, "panels": [
                      {"type": "stat", "title": "Inner", "targets": [{"refId": "A", "expr": "inner"}]}
                    ]}
                  ],
                  "rows": [{"panels": [{"type": "graph", "title": "Old", "targets": [{"expr": "old"}]}]}]
                }}
                """);

        List<String> found = GrafanaContent.dashboardQueries(file).stream()
                .map(q -> q.where() + " -> " + q.metricNames())
                .toList();

        assertThat(found).containsExactly(
                "panel 'Top' query A -> [top]",
                "panel 'Inner' query A -> [inner]",
                "panel 'Old' -> [old]",
                "variable 'region' -> [v_obj]",
                "variable 'region' -> [v_def]",
                "variable 'route' -> [v_str]",
                "annotation 'restarts' -> [a_expr]");
        assertThat(GrafanaContent.panels(GrafanaContent.readDashboard(file)))
                .extracting(p -> p.path("title").asText())
                .containsExactly("Top", "Collapsed", "Inner", "Old");
    }
}
