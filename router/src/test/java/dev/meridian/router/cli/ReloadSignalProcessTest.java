package dev.meridian.router.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meridian run} as a real process receiving real signals ({@code kill -HUP}, as
 * {@code systemctl reload} sends): a good file is reloaded and audited as {@code signal}, a broken
 * one is refused with its problems in the log while the process keeps serving, and SIGTERM still
 * drains and exits 0 afterwards.
 */
class ReloadSignalProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static String config(String weight) {
        return "listen: {address: 127.0.0.1, port: 0}\n"
                + "server: {shutdown-grace: 2s}\n"
                + "health: {probe: {enabled: false}}\n"
                + "admin:\n"
                + "  port: 0\n"
                + "  tokens: [{name: sre, token: reload-test-secret-0123456789, scope: write}]\n"
                + "  state-file: state.json\n"
                + "  audit-file: audit.jsonl\n"
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    weight: " + weight + "\n"
                + "    endpoints: [\"http://127.0.0.1:9\"]\n";
    }

    @Test
    void sighupReloadsAGoodFileRefusesABrokenOneAndTheProcessKeepsServing() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill to send signals (POSIX)");
        Path config = Files.writeString(dir.resolve("meridian.yaml"), config("100"));
        Path audit = dir.resolve("audit.jsonl");
        Process router = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"),
                        "dev.meridian.router.Main", "run", "--config", config.toString())
                .redirectErrorStream(true)
                .start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> readOutput(router, output), "router-output");
        reader.setDaemon(true);
        reader.start();
        try {
            Awaitility.await("admin API started").atMost(WAIT)
                    .until(() -> output.stream().anyMatch(l -> l.contains("admin API listening")) || !router.isAlive());
            assertThat(router.isAlive()).as("running; output: %s", output).isTrue();

            Files.writeString(config, config("250"));
            signal(router, "HUP");
            Awaitility.await("reloaded").atMost(WAIT).until(() -> Files.exists(audit) && !Files.readAllLines(audit).isEmpty());
            assertThat(Files.readAllLines(audit)).singleElement().asString()
                    .contains("\"token\":\"signal\"", "\"action\":\"reload\"", "\"revision\":1");
            Awaitility.await("reload logged").atMost(WAIT)
                    .until(() -> output.stream().anyMatch(l -> l.contains("SIGHUP: reloaded " + config + " (revision 1)")));

            Files.writeString(config, config("-3"));
            signal(router, "HUP");
            Awaitility.await("refusal logged").atMost(WAIT)
                    .until(() -> output.stream().anyMatch(l -> l.contains("was NOT reloaded")));
            Awaitility.await("problem logged").atMost(WAIT)
                    .until(() -> output.stream().anyMatch(l -> l.contains(config + ":11:13: regions[0].weight")));
            assertThat(router.isAlive()).as("a refused reload does not stop the router; output: %s", output).isTrue();
            assertThat(Files.readAllLines(audit)).as("a refused reload is not audited").hasSize(1);

            signal(router, "TERM");
            assertThat(router.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("exited; output: %s", output).isTrue();
            assertThat(router.exitValue()).as("exit status; output: %s", output).isZero();
        } finally {
            router.destroyForcibly();
            router.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code kill -SIGNAL pid}: the JDK sends only SIGTERM and SIGKILL itself. */
    private static void signal(Process process, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("/bin/kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s: %s", signal, new String(kill.getInputStream().readAllBytes(), UTF_8)).isZero();
    }

    private static void readOutput(Process process, List<String> output) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }
}
