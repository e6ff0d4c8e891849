package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the stats count, observed through real connections. */
class StatsTest {

    private SimulatedGateway gateway;

    @BeforeEach
    void start() {
        gateway = SimulatedGateway.start(GatewayConfig.of("stats"));
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void manyRequestsOverOneKeptAliveConnectionAreOneAcceptedConnection() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            for (int i = 0; i < 25; i++) {
                connection.send("POST /v2/code/completions HTTP/1.1\r\nhost: x", "{}".getBytes(StandardCharsets.UTF_8));
                assertThat(connection.readResponse().status()).isEqualTo(200);
            }
        }

        // A response counts once the write that handed its last byte to the socket has completed,
        // which the client may observe a moment before the server's event loop records it.
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            GatewayStats stats = gateway.stats();
            assertThat(stats.connectionsAccepted()).isEqualTo(1);
            assertThat(stats.requests()).isEqualTo(25);
            assertThat(stats.responsesCompleted()).isEqualTo(25);
            assertThat(stats.bytesReceived()).isEqualTo(50);
            assertThat(stats.cancelled()).isZero();
        });
    }

    @Test
    void theJdkClientReusesItsConnection() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 10; i++) {
            client.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/v2/completions"))
                    .POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.discarding());
        }

        assertThat(gateway.stats().connectionsAccepted()).isEqualTo(1);
        assertThat(gateway.stats().openConnections()).isEqualTo(1);
    }

    @Test
    void requestsAreCountedPerKnownPathAndOthersUnderOther() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            for (String request : new String[] {
                    "GET /monitoring/healthz", "GET /monitoring/healthz", "GET /bytes/10", "GET /bytes/20",
                    "GET /nowhere", "POST /echo?x=1", "GET /monitoring/ready"}) {
                connection.send(request + " HTTP/1.1\r\nhost: x");
                connection.readResponse();
            }
        }

        GatewayStats stats = gateway.stats();
        assertThat(stats.requestsByPath())
                .containsEntry("/monitoring/healthz", 2L)
                .containsEntry("/bytes", 2L)
                .containsEntry("/echo", 1L)
                .containsEntry("/monitoring/ready", 1L)
                .containsEntry("other", 1L)
                .containsEntry("/v2/code/completions", 0L)
                .hasSize(GatewayRoute.values().length);
        assertThat(stats.requestsTo("/bytes")).isEqualTo(2);
        assertThat(stats.requests()).isEqualTo(7);
    }

    @Test
    void clientClosingMidStreamIsCountedAsCancelled() throws Exception {
        gateway.holdStreams(true);
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x");
            connection.readHead();
            connection.readChunk();
        }

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            GatewayStats stats = gateway.stats();
            assertThat(stats.cancelled()).isEqualTo(1);
            assertThat(stats.responsesCompleted()).isZero();
            assertThat(stats.openConnections()).isZero();
        });
        gateway.holdStreams(false);
    }

    @Test
    void clientClosingDuringTheSimulatedLatencyIsCountedAsCancelled() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v2/code/completions HTTP/1.1\r\nhost: x\r\nx-sim-delay: 5s", "{}".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(2)).until(() -> gateway.stats().requests() == 1);
        }

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway.stats().cancelled()).isEqualTo(1));
    }

    @Test
    void closingAnIdleKeptAliveConnectionIsNotACancellation() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");
            connection.readResponse();
        }

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway.stats().openConnections()).isZero());
        assertThat(gateway.stats().cancelled()).isZero();
    }

    @Test
    void resetZeroesCountersButNotOpenConnections() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");
            connection.readResponse();

            gateway.resetStats();

            GatewayStats stats = gateway.stats();
            assertThat(stats.connectionsAccepted()).isZero();
            assertThat(stats.requests()).isZero();
            assertThat(stats.requestsByPath().values()).containsOnly(0L);
            assertThat(stats.responsesCompleted()).isZero();
            assertThat(stats.openConnections()).isEqualTo(1);
        }
    }

    @Test
    void pipelinedRequestClosesTheConnectionWithoutCountingACancellation() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.write("GET /monitoring/healthz HTTP/1.1\r\nhost: x\r\nx-sim-delay: 200ms\r\n\r\n"
                    + "GET /monitoring/healthz HTTP/1.1\r\nhost: x\r\n\r\n");

            assertThat(connection.read()).as("closed without an answer").isEqualTo(-1);
        }
        assertThat(gateway.stats().cancelled()).isZero();
    }
}
