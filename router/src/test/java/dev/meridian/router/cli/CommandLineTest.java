package dev.meridian.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code meridian} command line: exit codes and what it prints. */
class CommandLineTest {

    @TempDir
    Path dir;

    /** Ashburn and London: London is nearest for Paris. */
    private static final String TWO_REGIONS = ""
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    location: {lat: 39.04, lon: -77.49}\n"
                + "    endpoints: [\"http://127.0.0.1:5052\"]\n"
                + "  - name: europe-west2\n"
                + "    location: {lat: 51.51, lon: -0.13}\n"
                + "    endpoints: [\"http://127.0.0.1:5053\"]\n";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    @Test
    void validateAcceptsAValidFileWithExitZero() throws IOException {
        Path config = write("ok.yaml", "regions:\n  - name: us-east4\n    endpoints: [\"http://127.0.0.1:5052\"]\n");

        assertThat(run("validate", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("ok.yaml: valid (1 regions, 0 routes)");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void validatePrintsOneFileLineColumnLinePerProblemAndExitsTwo() throws IOException {
        Path config = write("bad.yaml", ""
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    wieght: 100\n"
                + "    endpoints: []\n");

        assertThat(run("validate", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly(
                config + ":3:5: regions[0].wieght: unknown key (did you mean 'weight'?)",
                config + ":4:16: regions[0].endpoints: empty list (expected at least one endpoint, e.g. http://10.1.0.5:5052)");
    }

    @Test
    void validateChecksTheTlsFilesAStartWouldNeed() throws IOException {
        Path config = write("tls.yaml", "listen: {tls: {certificate: " + dir.resolve("missing.pem")
                + ", key: " + dir.resolve("missing-key.pem") + "}}\n"
                + "regions:\n  - name: us-east4\n    endpoints: [\"http://127.0.0.1:5052\"]\n");

        assertThat(run("validate", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo(
                config + ": listen.tls.certificate: " + dir.resolve("missing.pem") + " does not exist");
    }

    @Test
    void validateOfAMissingFileSaysSoAndExitsTwo() {
        Path missing = dir.resolve("nope.yaml");

        assertThat(run("validate", "--config", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith(missing.toString() + ": ");
    }

    @Test
    void runWithAnInvalidConfigExitsTwoWithTheSameMessages() throws IOException {
        Path config = write("bad.yaml", "regions: []\n");

        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith(config + ":1:");
    }

    @Test
    void runOnAPortInUseExitsOneAndSaysWhy() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = write("taken.yaml", "listen: {address: 127.0.0.1, port: " + taken.getLocalPort() + "}\n"
                    + "regions:\n  - name: us-east4\n    endpoints: [\"http://127.0.0.1:5052\"]\n");

            assertThat(run("run", "--config", config.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void explainPrintsTheCandidatesAndThePickAsJson() throws IOException {
        Path config = write("regions.yaml", TWO_REGIONS
                + "routes:\n"
                + "  - name: completions\n"
                + "    path-prefix: /v2/code/completions\n"
                + "    sticky-header: X-Gitlab-Instance-Id\n");

        int exit = run("explain", "--config", config.toString(), "--ip", "203.0.113.7",
                "--lat", "48.86", "--lon", "2.35", "--path", "/v2/code/completions", "--tenant", "acme");

        assertThat(exit).as(err.toString()).isZero();
        String json = out.toString();
        assertThat(json)
                .contains("\"client\" : \"203.0.113.7\"")
                .contains("\"rankedBy\" : \"geo\"")
                .contains("\"route\" : \"completions\"")
                .contains("\"tenant\" : \"acme\"")
                .containsPattern("\"region\" : \"europe-west2\",\\s*\"endpoint\" : \"127.0.0.1:5053\",\\s*\"reason\" : \"sticky\"");
        assertThat(json.indexOf("\"region\" : \"europe-west2\""))
                .as("the nearest region is ranked first")
                .isLessThan(json.indexOf("\"region\" : \"us-east4\""));
    }

    @Test
    void explainAppliesTheDialsWeightsAndDrainsTheRouterSaved() throws IOException {
        Path config = write("regions.yaml", TWO_REGIONS);
        write("meridian-state.json", "{\"format\": 1, \"revision\": 3, \"weights\": {}, \"drained\": [], \"dials\": "
                + "{\"europe-west2\": {\"percent\": 40, \"baseline\": 100, \"pinned\": false, \"set_by\": \"slo-controller\"}}}");

        assertThat(run("explain", "--config", config.toString(), "--ip", "203.0.113.7", "--lat", "48.86", "--lon", "2.35"))
                .as(err.toString()).isZero();

        assertThat(out.toString())
                .containsPattern("\"region\" : \"europe-west2\",(\\s*\"[a-zA-Z]+\" : [^,]+,)*\\s*\"dial\" : 40,"
                        + "(\\s*\"[a-zA-Z]+\" : [^,]+,)*\\s*\"share\" : 0.4\\s")
                .containsPattern("\"region\" : \"us-east4\",(\\s*\"[a-zA-Z]+\" : [^,]+,)*\\s*\"dial\" : 100,"
                        + "(\\s*\"[a-zA-Z]+\" : [^,]+,)*\\s*\"share\" : 0.6\\s");
    }

    @Test
    void explainWithoutAnyLocationRanksByConfigurationOrder() throws IOException {
        Path config = write("ok.yaml", "regions:\n  - name: us-east4\n    endpoints: [\"http://127.0.0.1:5052\"]\n");

        assertThat(run("explain", "--config", config.toString(), "--ip", "2001:db8::7")).isZero();
        assertThat(out.toString()).contains("\"rankedBy\" : \"config_order\"").contains("\"location\" : null");
    }

    @Test
    void explainRejectsANameForTheAddress() throws IOException {
        Path config = write("ok.yaml", "regions:\n  - name: us-east4\n    endpoints: [\"http://127.0.0.1:5052\"]\n");

        assertThat(run("explain", "--config", config.toString(), "--ip", "example.com")).isEqualTo(2);
        assertThat(err.toString()).contains("--ip example.com is not an IP address");
    }

    @Test
    void noCommandIsAUsageErrorWithExitTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Usage: meridian");
    }
}
