package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GatewayMainTest {

    @Test
    void oneGatewayPerNameWithPortsInOrder() {
        List<GatewayConfig> configs = parse("--name", "us", "--port", "8081", "--control-port", "9081",
                "--name", "eu", "--latency-median", "20ms", "--latency-p99", "200ms", "--event-loops", "2");

        LatencyModel latency = LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(200));
        assertThat(configs).containsExactly(
                new GatewayConfig("us", "127.0.0.1", 8081, 9081, 2, latency, Fault.none()),
                new GatewayConfig("eu", "127.0.0.1", 0, 0, 2, latency, Fault.none()));
    }

    @Test
    void countNamesGatewaysAndMedianAloneIsAFixedDelay() {
        List<GatewayConfig> configs = parse("--count", "3", "--latency-median", "5ms");

        assertThat(configs).extracting(GatewayConfig::name).containsExactly("sim-1", "sim-2", "sim-3");
        assertThat(configs).extracting(GatewayConfig::latency).containsOnly(LatencyModel.fixed(Duration.ofMillis(5)));
    }

    @Test
    void badArgumentsAreReportedAsUsageErrors() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new GatewayMain()).setErr(new PrintWriter(err));

        int exit = commandLine.execute("--latency-median", "soon");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("duration: 'soon'");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--port", "2"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("more --port");
        assertThatThrownBy(() -> parse("--latency-median", "50ms", "--latency-p99", "10ms"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("p99: 10ms");
    }

    @Test
    void tlsOptionsGiveEveryGatewayTheCertificateAndKeyAndGoTogether() {
        List<GatewayConfig> configs = parse("--count", "2", "--tls-cert", "cert.pem", "--tls-key", "key.pem");

        assertThat(configs).extracting(GatewayConfig::tls)
                .containsOnly(new GatewayConfig.Tls(java.nio.file.Path.of("cert.pem"), java.nio.file.Path.of("key.pem")));
        assertThat(parse("--name", "plain")).extracting(GatewayConfig::tls).containsOnlyNulls();
        assertThatThrownBy(() -> parse("--tls-cert", "cert.pem"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("go together");
    }

    @Test
    void describeSaysWhereAGatewayListens() {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("printed"))) {
            assertThat(GatewayMain.describe(gateway))
                    .isEqualTo("gateway printed listening on http://127.0.0.1:" + gateway.port()
                            + " (control http://127.0.0.1:" + gateway.controlPort() + ", " + gateway.transport() + ")");
        }
    }

    private static List<GatewayConfig> parse(String... args) {
        GatewayMain main = new GatewayMain();
        new CommandLine(main).parseArgs(args);
        return main.configs();
    }
}
