package dev.meridian.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code meridian scenario NAME} end to end, each scenario cut to a few seconds at a low rate: the
 * files it writes and their shape are what users and {@code src/docs/performance.md} read, so the
 * names, headings, tables and verdict lines must stay as they are. The figures of so short a run
 * mean nothing; only the report's shape is checked.
 */
class ScenarioFilesTest {

    private static final String[] SHORT = {"--rate", "100", "--warmup", "1s", "--connections", "16", "-q"};

    @TempDir
    Path out;

    @Test
    void regionOutageWritesItsReportPlotsAndResult() throws Exception {
        run("region-outage", "--health", "fast", "--fault-at", "2s", "--recover-at", "3s", "--duration", "3s");

        String report = assertFiles("region-outage");
        assertThat(report).startsWith("# Scenario region-outage\n\nOpen-loop load of `POST /v2/code/completions` at 100 req/s")
                .contains("| client errors from the fault to 1 s after recovery |",
                        "| requests in flight to A when the fault began |",
                        "| retries (of which rescued) / failovers counted by the router |",
                        "How these are read: ", "| second | sent | answered | errors | TTFB p50 ms | TTFB p99 ms | to us-east4/s | to europe-west2/s |",
                        "name: us-east4", "name: europe-west2");
        assertThat(verdicts(report)).hasSize(3).allMatch(line -> line.matches("- \\*\\*(PASS|FAIL)\\*\\* .+: .+"));
        assertThat(verdicts(report).get(0)).contains("a hard-down region costs clients no errors (DESIGN.md)");
        assertThat(Files.readString(out.resolve("region-outage-timeline.svg")))
                .contains("every gateway of us-east4 goes down", "us-east4 recovers", "attempts to us-east4", "errors (client)");
    }

    @Test
    void theOtherFailoverScenariosWriteTheirOwnSetupsAndVerdicts() throws Exception {
        for (String name : List.of("black-hole", "brownout", "slow-region")) {
            run(name, "--health", "fast", "--fault-at", "2s", "--recover-at", "3s", "--duration", "3s");
        }
        run("region-outage", "--reset-connections", "--health", "fast", "--fault-at", "2s", "--recover-at", "3s", "--duration", "3s");

        assertThat(assertFiles("region-outage-reset")).contains("goes down and resets its open connections");
        assertThat(verdicts(assertFiles("black-hole")).get(0)).contains("in flight when it hung");
        String brownout = assertFiles("brownout");
        assertThat(brownout).contains("Each region has 4 simulated gateways");
        assertThat(verdicts(brownout).get(1)).contains("A keeps min(1, 1.4 x 0.5) = 70 % of its traffic");
        assertThat(verdicts(assertFiles("slow-region"))).hasSize(2)
                .last().asString().startsWith("- **INFO** distance routing keeps the traffic in the slow region");
    }

    @Test
    void weightShiftWritesItsReport() throws Exception {
        run("weight-shift", "--shift-at", "2s", "--restore-at", "3s", "--duration", "3s");

        String report = assertFiles("weight-shift");
        assertThat(report).startsWith("# Scenario weight-shift\n\n")
                .contains("| admin call PUT weight 25 took |", "| from setting it back until within 5 points of 50 % |",
                        "| to us-east4/s | to us-east1/s |");
        assertThat(verdicts(report)).hasSize(3);
        assertThat(verdicts(report).get(0)).contains("a weight change takes effect within a second");
        assertThat(Files.readString(out.resolve("weight-shift-timeline.svg"))).contains("PUT weight 25", "us-east4 share %");
    }

    @Test
    void sloBurnWritesItsReportWithDecisionsAndTheControllersSeries() throws Exception {
        run("slo-burn", "--before", "3s", "--fault-duration", "5s", "--after", "3s", "--short-window", "1s", "--long-window", "2s",
                "--cool-down", "1s", "--interval", "250ms");

        String report = assertFiles("slo-burn");
        assertThat(report).startsWith("# Scenario slo-burn\n\nOpen-loop load of `POST /v2/code/completions` at 100 req/s")
                .contains("| from the fault to the first step down of A's dial |", "| A's lowest dial |",
                        "| from recovery until A's dial is back at 100 % |", "## Controller decisions\n\n",
                        "<details><summary>Every 5 s</summary>",
                        "| second | sent | client errors | us-east4 attempt errors | burn short | burn long | us-east4 dial |",
                        "slo-controller:\n  mode: act\n  windows: {short: 1s, long: 2s}", "consecutive-failures: 1000");
        assertThat(verdicts(report)).hasSize(4);
        assertThat(verdicts(report).get(0)).matches("- \\*\\*(PASS|FAIL)\\*\\* the controller turns A's dial down within .+");
        assertThat(verdicts(report).get(3)).contains("retries hide the fault");
        assertThat(Files.readString(out.resolve("slo-burn-timeline.svg")))
                .contains("us-east4 fails 20 % of requests (503)", "us-east4 recovers", "availability burn rate",
                        "us-east4 dial", "europe-west2 share", "errors (client)");
    }

    @Test
    void soakWritesItsReportWithCyclesAndReadings() throws Exception {
        run("soak", "--duration", "9s", "--cycle-every", "9s", "--fault-for", "1s", "--sample-every", "1s",
                "--control-rate", "5");

        String report = assertFiles("soak");
        assertThat(report).startsWith("# Scenario soak\n\n")
                .contains("## Memory after the settling time", "## Cycles", "## Control traffic per minute",
                        "| cycle | started | errors: outage | errors: black-hole | errors: brownout | errors: weight 25 |",
                        "<details><summary>Readings every 1s</summary>", "too short for a latency drift verdict");
        assertThat(verdicts(report)).anyMatch(line -> line.contains("open descriptors back to the baseline after every cycle"))
                .anyMatch(line -> line.contains("black-hole costs clients no errors"))
                .last().asString().startsWith("- **INFO** client errors over the whole run: ");
        assertThat(Files.readString(out.resolve("soak-timeline.svg")))
                .contains("memory (MiB, sampled every 1s)", ">outage<", ">weight 25<").doesNotContain("undone");
    }

    @Test
    void baselineWritesOneReportAndAResultPerRun() throws Exception {
        run("baseline", "--rates", "100", "--concurrency", "4", "--duration", "2s");

        String report = Files.readString(out.resolve("baseline.md"));
        assertThat(report).startsWith("# Scenario baseline\n\n")
                .contains("| run | achieved req/s | errors | TTFB p50 | TTFB p99 | TTFB p99.9 | TTFB max |",
                        "| 100 req/s | ", "| saturation, closed loop 4 | ", "![latency](baseline.svg)", "## Verdict\n\n");
        assertThat(verdicts(report)).hasSize(2).last().asString().startsWith("- **INFO** saturation throughput");
        for (String file : List.of("baseline.svg", "baseline-timeline.svg", "baseline-rate100.json", "baseline-saturation.json")) {
            assertThat(out.resolve(file)).isNotEmptyFile();
        }
    }

    private void run(String... arguments) {
        List<String> all = new ArrayList<>(List.of(arguments));
        all.addAll(List.of(SHORT));
        all.addAll(List.of("--out", out.toString()));
        int exit = new CommandLine(new ScenarioCommand()).execute(all.toArray(String[]::new));
        assertThat(exit).as("exit code of scenario %s", all).isZero();
    }

    /** The four files of a scenario exist and parse; returns the report. */
    private String assertFiles(String name) throws Exception {
        for (String svg : List.of(name + ".svg", name + "-timeline.svg")) {
            assertThat(DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve(svg).toFile())
                    .getDocumentElement().getTagName()).isEqualTo("svg");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve(name + ".json").toFile());
        assertThat(json.isObject()).isTrue();
        assertThat(json.size()).isPositive();
        String report = Files.readString(out.resolve(name + ".md"));
        assertThat(report).contains("## Load\n\n|  | measured |", "![latency](" + name + ".svg)\n\n![timeline](" + name + "-timeline.svg)",
                "## Router configuration\n\n```yaml\nlisten: {address: 127.0.0.1, port: 0}", "## Verdict\n\n");
        assertThat(report.indexOf("## Load")).isLessThan(report.indexOf("## Router configuration"));
        assertThat(report.indexOf("## Router configuration")).isLessThan(report.indexOf("## Verdict"));
        return report;
    }

    private static List<String> verdicts(String report) {
        return report.substring(report.indexOf("## Verdict\n\n") + 12).lines().filter(line -> line.startsWith("- ")).toList();
    }
}
