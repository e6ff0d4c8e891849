package dev.meridian.loadtest.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code meridian demo} runs end to end and says where the traffic went. */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void demoSendsTrafficFromThreePlacesToTheirNearestRegions() {
        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        commandLine.setOut(new PrintWriter(out));

        int exit = commandLine.execute("demo", "--port", "0", "--admin-port", "0", "--requests", "6", "--exit");

        String printed = out.toString();
        assertThat(exit).as(printed).isZero();
        assertThat(printed)
                .contains("Meridian demo: router on http://127.0.0.1:")
                .containsPattern("New York +40.71,-74.01 +2 +0 +0 +us-east4-")
                .containsPattern("Paris +48.86,2.35 +0 +2 +0 +europe-west2-")
                .containsPattern("Osaka +34.69,135.50 +0 +0 +2 +asia-northeast1-")
                .contains("event: stream_start", "event: content_chunk", "event: stream_end")
                .contains("./meridian explain --config ")
                .contains("curl -N -X POST")
                .containsPattern("export TOKEN=[0-9a-f]{16}")
                .containsPattern("curl -s -H \"Authorization: Bearer \\$TOKEN\" http://127.0.0.1:\\d+/metrics")
                .contains("access.jsonl")
                .containsPattern("Status page .*\n  http://127.0.0.1:\\d+/ui/#token=[0-9a-f]{16}\n");
    }

    @Test
    void explainWorksOnTheDemoConfiguration() throws Exception {
        Map<String, String> ports = new HashMap<>();
        int port = 30_001;
        for (String name : new String[] {"US_EAST4", "EUROPE_WEST2", "ASIA_NORTHEAST1"}) {
            ports.put(name + "_1", Integer.toString(port++));
            ports.put(name + "_2", Integer.toString(port++));
        }
        ports.put("DEMO_ROUTER_PORT", "0");
        ports.put("DEMO_ADMIN_PORT", "0");
        ports.put("DEMO_DIR", dir.toString());
        ports.put("DEMO_TOKEN", "t0ken");
        Path config = dir.resolve("demo.yaml");
        DemoCommand.writeConfig(ports, config);

        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        int exit = commandLine.execute("explain", "--config", config.toString(), "--ip", "203.0.113.7",
                "--lat", "34.69", "--lon", "135.50", "--path", "/v2/code/completions");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("\"rankedBy\" : \"geo\"")
                .containsPattern("\"region\" : \"asia-northeast1\",\\s*\"endpoint\" : \"127.0.0.1:3000[56]\",\\s*\"reason\" : \"geo\"");
    }

    @Test
    void theDemoIsAvailableFromTheCommandLineOnlyWithThisModule() {
        assertThat(Main.commandLine().getSubcommands()).containsKeys("run", "validate", "explain", "demo", "gateway");
    }
}
