package dev.meridian.loadtest.load;

import dev.meridian.loadtest.DurationArgument;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code meridian loadgen} end to end against a simulated gateway. */
class LoadgenCommandTest {

    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @Test
    void openLoopRunPrintsProgressAndASummaryAndWritesTheThreeFiles() throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("cli"))) {
            int exit = execute("--target", gateway.baseUri().toString(), "--rate", "200", "--duration", "2s",
                    "--warmup", "0", "--connections", "8", "--path", "/v2/code/completions", "--method", "POST",
                    "--body", "{\"prompt\": \"x\"}", "--header", "Content-Type: application/json",
                    "--out", directory.resolve("results/run1").toString(), "--title", "cli test");

            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("requests    400 completed", "time to first byte", "wrote ");
            assertThat(progress.toString(StandardCharsets.UTF_8)).containsPattern("  1s  rate \\d+/s  done \\d+  errors 0  ttfb p50 ");
            assertThat(directory.resolve("results/run1.json")).exists();
            assertThat(directory.resolve("results/run1.hgrm")).exists();
            assertThat(Files.readString(directory.resolve("results/run1.svg"))).contains("cli test");
            assertThat(gateway.stats().requests()).isEqualTo(400);
        }
    }

    @Test
    void closedLoopWithAMixFileAndErrorsStillExitsZero() throws Exception {
        Path mix = Files.writeString(directory.resolve("mix.yaml"), """
                - {method: POST, path: /v2/code/completions, body: '{}', weight: 3}
                - {method: POST, path: /v2/code/completions, headers: {X-Sim-Status: "503"}, body: '{}', weight: 1}
                """);
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("cli"))) {
            int exit = execute("--target", gateway.baseUri().toString(), "--closed", "--concurrency", "4",
                    "--duration", "500ms", "--warmup", "0", "--mix", mix.toString(), "--quiet");

            assertThat(exit).isZero();
            assertThat(out.toString()).contains("closed loop, concurrency 4", "status 5xx");
            assertThat(progress.size()).as("--quiet").isZero();
        }
    }

    @Test
    void usageErrorsExitTwoWithAMessage() {
        assertThat(execute("--target", "http://127.0.0.1:1", "--duration", "1s")).isEqualTo(2);
        assertThat(err.toString()).contains("give --rate N");
        assertThat(execute("--target", "http://127.0.0.1:1", "--rate", "10", "--closed")).isEqualTo(2);
        assertThat(execute("--target", "ftp://127.0.0.1:1", "--rate", "10")).isEqualTo(2);
        assertThat(err.toString()).contains("expected: http://HOST:PORT or https://HOST:PORT");
        assertThat(execute("--target", "http://127.0.0.1:1", "--rate", "10", "--duration", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }

    @Test
    void badMixFileExitsOneWithEveryProblemAndNoUsage() throws Exception {
        Path mix = Files.writeString(directory.resolve("bad.yaml"), "- path: /a\n  wieght: 2\n- method: GET\n");

        assertThat(execute("--target", "http://127.0.0.1:1", "--rate", "10", "--mix", mix.toString())).isEqualTo(1);
        assertThat(err.toString())
                .contains(mix + ":1: entry 1: unknown key 'wieght'", mix + ":3: entry 2: path: missing")
                .doesNotContain("Usage:");
    }

    @Test
    void unreachableTargetExitsOne() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThat(execute("--target", "127.0.0.1:" + port, "--rate", "10", "--duration", "1s", "--connections", "1"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("cannot connect to http://127.0.0.1:" + port);
    }

    @Test
    void isRegisteredOnTheMeridianCommandLine() {
        assertThat(Main.commandLine().getSubcommands()).containsKey("loadgen");
    }

    @Test
    void durationsAreReadAsTyped() {
        assertThat(DurationArgument.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationArgument.parse("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationArgument.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(DurationArgument.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationArgument.format(Duration.ofMillis(500))).isEqualTo("500ms");
    }

    private int execute(String... args) {
        LoadgenCommand command = new LoadgenCommand();
        command.progressStream = new PrintStream(progress, true, StandardCharsets.UTF_8);
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
