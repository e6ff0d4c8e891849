package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The latency model as a client measures it. */
class LatencyTest {

    @Test
    void measuredMedianMatchesTheModelOverTwoHundredRequests() throws Exception {
        LatencyModel model = LatencyModel.of(Duration.ofMillis(10), Duration.ofMillis(40));
        try (SimulatedGateway gateway = latencyGateway(model);
                RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            long[] tookMicros = new long[200];
            for (int i = 0; i < tookMicros.length; i++) {
                tookMicros[i] = exchange(connection, "POST /v2/code/completions HTTP/1.1\r\nhost: x",
                        "{}".getBytes(StandardCharsets.UTF_8)).toNanos() / 1_000;
            }
            Arrays.sort(tookMicros);

            assertThat(tookMicros[100]).as("median in us (model: 10ms; client and timer overhead allowed)")
                    .isBetween(8_000L, 20_000L);
            assertThat(tookMicros[0]).as("lognormal: some requests are well below the median").isLessThan(9_000L);
            assertThat(tookMicros[190]).as("and the tail is longer").isGreaterThan(tookMicros[100] + 3_000L);
        }
    }

    @Test
    void healthzIgnoresTheLatencyModel() throws Exception {
        try (SimulatedGateway gateway = latencyGateway(LatencyModel.fixed(Duration.ofMillis(500)));
                RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            Duration took = exchange(connection, "GET /monitoring/healthz HTTP/1.1\r\nhost: x", new byte[0]);

            assertThat(took).isLessThan(Duration.ofMillis(400));
        }
    }

    @Test
    void fixedLatencyDelaysEveryResponseAndCanBeChangedLive() throws Exception {
        try (SimulatedGateway gateway = latencyGateway(LatencyModel.fixed(Duration.ofMillis(150)));
                RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            Duration delayed = exchange(connection, "GET /bytes/1 HTTP/1.1\r\nhost: x", new byte[0]);
            gateway.setLatency(LatencyModel.none());
            Duration undelayed = exchange(connection, "GET /bytes/1 HTTP/1.1\r\nhost: x", new byte[0]);

            assertThat(delayed).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(undelayed).isLessThan(Duration.ofMillis(100));
        }
    }

    private static SimulatedGateway latencyGateway(LatencyModel model) {
        return SimulatedGateway.start(GatewayConfig.of("latency").withLatency(model));
    }

    /** How long one request on {@code connection} took, from sending it to reading its whole response. */
    private static Duration exchange(RawHttpConnection connection, String head, byte[] body) throws Exception {
        long started = System.nanoTime();
        connection.send(head, body);
        connection.readResponse();
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
