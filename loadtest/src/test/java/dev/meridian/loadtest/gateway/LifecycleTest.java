package dev.meridian.loadtest.gateway;

import dev.meridian.loadtest.SocketTransport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Starting, stopping and serving from several event loops. */
class LifecycleTest {

    @Test
    void closeStopsBothPortsAndIsIdempotent() throws Exception {
        SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("closing"));
        int port = gateway.port();
        int controlPort = gateway.controlPort();

        gateway.close();
        gateway.close();

        assertThatThrownBy(() -> RawHttpConnection.open(port)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> RawHttpConnection.open(controlPort)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(gateway::up).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void startingOnATakenPortFailsNamingThePort() {
        try (SimulatedGateway first = SimulatedGateway.start(GatewayConfig.of("first"))) {
            assertThatThrownBy(() -> SimulatedGateway.start(GatewayConfig.of("second").withPort(first.port())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("second: start (data port " + first.port() + ") failed");
        }
    }

    @Test
    void uriAndPortsDescribeWhereItListens() {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("where"))) {
            assertThat(gateway.port()).isPositive();
            assertThat(gateway.controlPort()).isPositive().isNotEqualTo(gateway.port());
            assertThat(gateway.baseUri()).hasToString("http://127.0.0.1:" + gateway.port());
            assertThat(gateway.controlUri()).hasToString("http://127.0.0.1:" + gateway.controlPort());
            assertThat(gateway.name()).isEqualTo("where");
            assertThat(gateway.transport()).isEqualTo(SocketTransport.preferred().name().toLowerCase(java.util.Locale.ROOT));
            assertThat(gateway.toString()).contains("where");
        }
    }

    @Test
    void severalEventLoopsServeConcurrentConnections() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("multi").withEventLoops(4)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20))))) {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
                        for (int r = 0; r < 5; r++) {
                            connection.send("POST /v2/chat/agent HTTP/1.1\r\nhost: x\r\nx-sim-chunk-interval: 1ms",
                                    "{}".getBytes(StandardCharsets.UTF_8));
                            if (connection.readResponse().status() != 200) {
                                return "failed";
                            }
                        }
                        return "ok";
                    } catch (Exception e) {
                        return e.toString();
                    }
                }, clients));
            }
            Set<String> outcomes = new HashSet<>();
            for (CompletableFuture<String> answer : answers) {
                outcomes.add(answer.get(10, TimeUnit.SECONDS));
            }

            assertThat(outcomes).containsExactly("ok");
            assertThat(gateway.stats().connectionsAccepted()).isEqualTo(16);
            assertThat(gateway.stats().requests()).isEqualTo(80);
        } finally {
            clients.shutdownNow();
        }
    }
}
