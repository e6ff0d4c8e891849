package dev.meridian.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The module's content under test: the dashboards ({@code dashboards/*.json}), the rule files
 * ({@code rules/*.yml}) and their unit tests ({@code rules/tests/*.yml}), and every PromQL query in
 * them, each with where it was found so that a failure can name it.
 */
final class GrafanaContent {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private GrafanaContent() {
    }

    /**
     * One PromQL query and where it is.
     *
     * @param file the file, relative to the module directory ({@code dashboards/overview.json})
     * @param where the panel, variable, annotation or rule ({@code panel 'Error ratio'})
     * @param template whether it is a Grafana template-variable query ({@code label_values(...)} etc.)
     */
    record Query(String file, String where, String expr, boolean template) {

        /** The metric names it reads. */
        Set<String> metricNames() {
            return template ? PromQl.templateQueryMetricNames(expr) : PromQl.metricNames(expr);
        }
    }

    /** The module directory (set by the pom; the working directory otherwise, which Surefire makes the same). */
    static Path dir() {
        return Path.of(System.getProperty("meridian.grafana.dir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    static List<Path> dashboards() {
        return list(dir().resolve("dashboards"), ".json");
    }

    static List<Path> ruleFiles() {
        List<Path> files = new ArrayList<>(list(dir().resolve("rules"), ".yml"));
        files.addAll(list(dir().resolve("rules"), ".yaml"));
        return files;
    }

    static List<Path> ruleTestFiles() {
        List<Path> files = new ArrayList<>(list(dir().resolve("rules/tests"), ".yml"));
        files.addAll(list(dir().resolve("rules/tests"), ".yaml"));
        return files;
    }

    /** {@code path} relative to the module directory, for messages. */
    static String name(Path path) {
        return dir().relativize(path.toAbsolutePath()).toString();
    }

    private static List<Path> list(Path directory, String suffix) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A dashboard file; the API's export wrapper ({@code {"dashboard": {...}}}) is unwrapped. */
    static JsonNode readDashboard(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            return root.has("dashboard") && root.get("dashboard").isObject() ? root.get("dashboard") : root;
        } catch (IOException e) {
            throw new AssertionError(name(file) + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    static JsonNode readYaml(Path file) {
        try {
            JsonNode root = YAML.readTree(file.toFile());
            if (root == null || root.isMissingNode()) {
                throw new AssertionError(name(file) + ": empty");
            }
            return root;
        } catch (IOException e) {
            throw new AssertionError(name(file) + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    /**
     * Every panel of a dashboard, nested ones included: the panels of rows (collapsed rows keep
     * theirs inside the row panel) and of the old schema's {@code rows[]}.
     */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collectPanels(dashboard.path("panels"), out);
        for (JsonNode row : dashboard.path("rows")) {
            collectPanels(row.path("panels"), out);
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> out) {
        for (JsonNode panel : panels) {
            out.add(panel);
            collectPanels(panel.path("panels"), out);
        }
    }

    /** How a failure names a panel: its title, or its id and type when it has none. */
    static String describePanel(JsonNode panel) {
        String title = panel.path("title").asText("");
        return title.isBlank()
                ? "untitled panel (id " + panel.path("id").asText("?") + ", type " + panel.path("type").asText("?") + ")"
                : "panel '" + title + "'";
    }

    /**
     * The PromQL of a dashboard: every panel's {@code targets[].expr}, every query variable's
     * query and definition, and every annotation's {@code expr}.
     */
    static List<Query> dashboardQueries(Path file) {
        JsonNode dashboard = readDashboard(file);
        String name = name(file);
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    queries.add(new Query(name, describePanel(panel)
                            + (target.has("refId") ? " query " + target.get("refId").asText() : ""), expr, false));
                }
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!variable.path("type").asText("").equals("query")) {
                continue;
            }
            String where = "variable '" + variable.path("name").asText("?") + "'";
            Set<String> texts = new LinkedHashSet<>();
            JsonNode query = variable.path("query");
            // Grafana writes the query as a string, or as an object {query: ..., refId: ...}.
            texts.add(query.isObject() ? query.path("query").asText("") : query.asText(""));
            texts.add(variable.path("definition").asText(""));
            texts.stream().filter(t -> !t.isBlank()).forEach(t -> queries.add(new Query(name, where, t, true)));
        }
        for (JsonNode annotation : dashboard.path("annotations").path("list")) {
            String expr = annotation.path("expr").asText("");
            if (!expr.isBlank()) {
                queries.add(new Query(name, "annotation '" + annotation.path("name").asText("?") + "'", expr, false));
            }
        }
        return queries;
    }

    /** Every rule's {@code expr} in a rule file. */
    static List<Query> ruleQueries(Path file) {
        String name = name(file);
        List<Query> queries = new ArrayList<>();
        for (JsonNode group : readYaml(file).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String what = rule.has("record") ? "recording rule '" + rule.get("record").asText() + "'"
                        : "alert '" + rule.path("alert").asText("?") + "'";
                queries.add(new Query(name, what + " in group '" + group.path("name").asText("?") + "'",
                        rule.path("expr").asText(""), false));
            }
        }
        return queries;
    }

    /** The names of every recording rule in {@code rules/*.yml}. */
    static Set<String> recordingRules() {
        Set<String> names = new LinkedHashSet<>();
        for (Path file : ruleFiles()) {
            for (JsonNode group : readYaml(file).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.hasNonNull("record")) {
                        names.add(rule.get("record").asText());
                    }
                }
            }
        }
        return names;
    }
}
