package dev.meridian.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.Main;
import dev.meridian.router.testing.Dnsmasq;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code meridian validate}: offline by default; {@code --resolve} asks a real DNS server (dnsmasq). */
class ValidateResolveTest {

    @TempDir
    Path dir;

    private Dnsmasq dns;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        dns = Dnsmasq.start(dir);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private int run(String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    private Path config() throws IOException {
        return Files.writeString(dir.resolve("m.yaml"), ""
                + "dns: {servers: [\"" + dns.server() + "\"], query-timeout: 300ms}\n"
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    endpoints: [\"https://gw.test\", \"http://10.1.0.5:5052\"]\n"
                + "  - name: europe-west2\n"
                + "    endpoints: [\"http://gone.test:5052\"]\n");
    }

    @Test
    void withoutResolveNamesAreNotAskedFor() throws IOException {
        Path config = config();
        dns.stop(); // no DNS server at all

        assertThat(run("validate", "--config", config.toString())).isZero();
        assertThat(out.toString().strip()).isEqualTo(config + ": valid (2 regions, 0 routes)");
    }

    @Test
    void resolvePrintsEachAnswerAndExitsOneWhenANameDoesNotResolve() throws IOException {
        dns.set("gw.test", "127.0.0.3", "127.0.0.2");
        Path config = config();

        assertThat(run("validate", "--config", config.toString(), "--resolve")).isEqualTo(1);
        assertThat(out.toString()).isEqualTo(config + ": valid (2 regions, 0 routes)\n"
                + "gw.test (region us-east4): 127.0.0.2, 127.0.0.3 (TTL 1 s)\n");
        assertThat(err.toString()).isEqualTo("gone.test (region europe-west2): no address: NXDOMAIN for gone.test from "
                + dns.server() + "\n");

        dns.set("gone.test", "127.0.0.4");
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(run("validate", "--config", config.toString(), "--resolve")).isZero();
        assertThat(out.toString()).contains("gone.test (region europe-west2): 127.0.0.4 (TTL 1 s)");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void resolveSaysWhenTheServerDoesNotAnswer() throws IOException {
        Path config = config();
        dns.stop();

        assertThat(run("validate", "--config", config.toString(), "--resolve")).isEqualTo(1);
        assertThat(err.toString()).contains("gw.test (region us-east4): cannot resolve: no answer within 300 ms from " + dns.server());
    }
}
