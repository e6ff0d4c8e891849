package dev.meridian.loadtest.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** {@code meridian demo} runs end to end and says where the traffic went. */
class DemoCommandTest {

    @Test
    void demoSendsTrafficThroughTheRouterAndReportsWhereItWent() {
        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        commandLine.setOut(new PrintWriter(out));

        int exit = commandLine.execute("demo", "--port", "0", "--requests", "6", "--exit");

        String printed = out.toString();
        assertThat(exit).as(printed).isZero();
        assertThat(printed)
                .contains("Meridian demo: router on http://127.0.0.1:")
                .containsPattern("us-east4 +6 +us-east4-")
                .containsPattern("europe-west2 +0")
                .contains("event: stream_start", "event: content_chunk", "event: stream_end")
                .contains("curl -N -X POST");
    }

    @Test
    void theDemoIsAvailableFromTheCommandLineOnlyWithThisModule() {
        assertThat(Main.commandLine().getSubcommands()).containsKeys("run", "validate", "demo", "gateway");
    }
}
