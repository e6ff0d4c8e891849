package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every alert of {@code rules/*.yml} can be acted on: it has a {@code severity} label ({@code page}
 * or {@code ticket}), a summary and a description, and a {@code runbook_url} that points to a
 * section of {@code src/docs/operations.md} which exists (GitHub's anchor of one of its headings).
 */
class AlertRunbooksTest {

    private static final String RUNBOOK_PREFIX = "https://github.com/meridian-edge/meridian/blob/main/src/docs/operations.md#";

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbookSectionThatExists() throws IOException {
        Path operations = GrafanaContent.dir().resolve("../src/docs/operations.md").normalize();
        Set<String> anchors = anchors(Files.readAllLines(operations));
        List<String> problems = new ArrayList<>();
        int alerts = 0;
        for (Path file : GrafanaContent.ruleFiles()) {
            for (JsonNode group : GrafanaContent.readYaml(file).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (!rule.hasNonNull("alert")) {
                        continue;
                    }
                    alerts++;
                    String where = GrafanaContent.name(file) + ", alert '" + rule.get("alert").asText() + "'";
                    String severity = rule.path("labels").path("severity").asText("");
                    if (!severity.equals("page") && !severity.equals("ticket")) {
                        problems.add(where + ": severity '" + severity + "' (expected page or ticket)");
                    }
                    for (String annotation : List.of("summary", "description")) {
                        if (rule.path("annotations").path(annotation).asText("").isBlank()) {
                            problems.add(where + ": no " + annotation);
                        }
                    }
                    String url = rule.path("annotations").path("runbook_url").asText("");
                    if (!url.startsWith(RUNBOOK_PREFIX)) {
                        problems.add(where + ": runbook_url '" + url + "' is not " + RUNBOOK_PREFIX + "<section>");
                    } else if (!anchors.contains(url.substring(RUNBOOK_PREFIX.length()))) {
                        problems.add(where + ": runbook_url '" + url + "': operations.md has no heading with anchor '"
                                + url.substring(RUNBOOK_PREFIX.length()) + "'");
                    }
                }
            }
        }
        assertThat(alerts).as("alerts in %s/rules", GrafanaContent.dir()).isPositive();
        assertThat(problems).withFailMessage(() -> "alert problems:\n" + String.join("\n", problems)).isEmpty();
    }

    @Test
    void anchorsAreGitHubs() {
        assertThat(anchors(List.of("### Region error budget burn", "## Start, stop, reload", "### `fleet` state",
                "```", "### not a heading inside a code block", "```")))
                .containsExactlyInAnyOrder("region-error-budget-burn", "start-stop-reload", "fleet-state");
    }

    /** GitHub's anchors of the Markdown headings: lower case, punctuation dropped, spaces as dashes. */
    static Set<String> anchors(List<String> lines) {
        Set<String> anchors = new HashSet<>();
        boolean code = false;
        for (String line : lines) {
            if (line.strip().startsWith("```")) {
                code = !code;
                continue;
            }
            if (code || !line.startsWith("#")) {
                continue;
            }
            String title = line.replaceFirst("^#+\\s*", "").strip();
            anchors.add(title.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return anchors;
    }
}
