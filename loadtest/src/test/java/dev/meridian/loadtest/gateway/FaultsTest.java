package dev.meridian.loadtest.gateway;

import dev.meridian.loadtest.SocketTransport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every fault, acted out over real sockets. */
class FaultsTest {

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    @AutoClose
    private SimulatedGateway gateway;

    @Test
    void hangReadsTheRequestButNeverAnswersSoTheClientTimesOut() throws Exception {
        gateway = start(GatewayConfig.of("hang").withFault(Fault.hang()));

        assertThatThrownBy(() -> client.send(completion().timeout(Duration.ofMillis(300)).build(), BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(gateway.stats().requests()).as("the request was read").isEqualTo(1);
    }

    @Test
    void hangCountsACancelledExchangeWhenTheClientGivesUp() throws Exception {
        gateway = start(GatewayConfig.of("hang").withFault(Fault.hang()));
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port(), Duration.ofMillis(200), 0)) {
            connection.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");

            assertThatThrownBy(connection::read).as("healthz hangs too: the process is hung")
                    .isInstanceOf(SocketTimeoutException.class);
        }
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway.stats().cancelled()).isEqualTo(1));
    }

    @Test
    void errorsAtRateOneAnswerEveryRequestWith503ButHealthzStaysUp() throws Exception {
        gateway = start(GatewayConfig.of("errors").withFault(Fault.errors(503, 1.0)));

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = client.send(completion().build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("retry-after")).isEmpty();
            assertThat(JsonText.parseObject(response.body()).get("detail").toString()).contains("inference failed");
        }
        assertThat(client.send(get("/monitoring/healthz"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(client.send(get("/monitoring/ready"), BodyHandlers.ofString()).statusCode()).isEqualTo(503);
    }

    @Test
    void tooManyRequestsCarriesRetryAfterInWholeSecondsRoundedUp() throws Exception {
        gateway = start(GatewayConfig.of("quota").withFault(Fault.tooManyRequests(Duration.ofSeconds(5))));
        HttpResponse<String> five = client.send(completion().build(), BodyHandlers.ofString());
        gateway.setFault(Fault.errors(429, 1.0, Duration.ofMillis(1500)));
        HttpResponse<String> oneAndAHalf = client.send(completion().build(), BodyHandlers.ofString());

        assertThat(five.statusCode()).isEqualTo(429);
        assertThat(five.headers().firstValue("retry-after")).hasValue("5");
        assertThat(oneAndAHalf.headers().firstValue("retry-after")).hasValue("2");
    }

    @Test
    void errorsAtHalfRateFailRoughlyHalfOfTheRequests() throws Exception {
        gateway = start(GatewayConfig.of("flaky").withFault(Fault.errors(503, 0.5)));
        int failed = 0;
        for (int i = 0; i < 200; i++) {
            if (client.send(completion().build(), BodyHandlers.discarding()).statusCode() == 503) {
                failed++;
            }
        }

        assertThat(failed).as("binomial(200, 0.5): outside 60..140 has probability < 1e-8").isBetween(60, 140);
    }

    @Test
    void slowAddsItsExtraBeforeTheAnswerAndToHealthzLikeASlowNetworkPath() throws Exception {
        gateway = start(GatewayConfig.of("slow").withFault(Fault.slow(Duration.ofMillis(250))));

        long started = System.nanoTime();
        HttpResponse<String> slow = client.send(completion().build(), BodyHandlers.ofString());
        Duration slowTook = Duration.ofNanos(System.nanoTime() - started);
        started = System.nanoTime();
        client.send(get("/monitoring/healthz"), BodyHandlers.ofString());
        Duration healthzTook = Duration.ofNanos(System.nanoTime() - started);

        assertThat(slow.statusCode()).isEqualTo(200);
        assertThat(slowTook).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(healthzTook).as("a prober sees the slow path too").isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @ParameterizedTest
    @EnumSource(SocketTransport.class)
    void resetMidStreamSendsNChunksThenResetsTheConnection(SocketTransport transport) throws Exception {
        gateway = start(GatewayConfig.of("reset").withFault(Fault.resetMidStream(2)), transport);
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x\r\nx-sim-chunks: 5\r\nx-sim-chunk-interval: 1ms");
            RawHttpConnection.Head head = connection.readHead();
            List<String> events = new ArrayList<>();
            Throwable failure = null;
            try {
                for (int i = 0; i < 10; i++) {
                    byte[] chunk = connection.readChunk();
                    if (chunk == null) {
                        break;
                    }
                    events.add(new String(chunk, StandardCharsets.UTF_8));
                }
            } catch (SocketException e) {
                failure = e;
            }

            assertThat(head.status()).isEqualTo(200);
            assertThat(events).hasSize(2);
            assertThat(events.get(0)).contains("stream_start");
            assertThat(failure).as("a TCP reset, not a clean end").isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
        assertThat(gateway.stats().cancelled()).as("the server cut it, the client did not cancel").isZero();
    }

    @Test
    void resetMidStreamCutsBytesAfterNBlocks() throws Exception {
        gateway = start(GatewayConfig.of("reset").withFault(Fault.resetMidStream(3)));
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("GET /bytes/1000000 HTTP/1.1\r\nhost: x");
            RawHttpConnection.Head head = connection.readHead();
            byte[] received = connection.input().readNBytes(3 * PatternBytesStream.CHUNK_SIZE);

            assertThat(head.header("content-length")).isEqualTo("1000000");
            assertThat(received).hasSize(3 * PatternBytesStream.CHUNK_SIZE);
            assertThatThrownBy(connection::read).isInstanceOf(SocketException.class);
        }
    }

    @Test
    void resetMidStreamLeavesNonStreamingResponsesAlone() throws Exception {
        gateway = start(GatewayConfig.of("reset").withFault(Fault.resetMidStream(0)));

        assertThat(client.send(completion().build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(SocketTransport.class)
    void downRefusesConnectionsAndUpServesAgainOnTheSamePort(SocketTransport transport) throws Exception {
        gateway = start(GatewayConfig.of("downup"), transport);
        int port = gateway.port();
        try (RawHttpConnection open = RawHttpConnection.open(port)) {
            open.send("GET /monitoring/healthz HTTP/1.1\r\nhost: x");
            open.readResponse();

            gateway.down();

            assertThat(gateway.isUp()).isFalse();
            assertThat(readEndsOrResets(open)).as("open connections are closed too").isTrue();
            assertThatThrownBy(() -> RawHttpConnection.open(port)).isInstanceOf(ConnectException.class);
        }

        gateway.up();

        assertThat(gateway.port()).isEqualTo(port);
        assertThat(client.send(get("/monitoring/healthz"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(gateway.stats().cancelled()).isZero();
    }

    @Test
    void downAndUpAreIdempotent() throws Exception {
        gateway = start(GatewayConfig.of("idem"));
        gateway.down();
        gateway.down();
        gateway.up();
        gateway.up();

        assertThat(client.send(get("/monitoring/healthz"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void simStatusHeaderForcesAnErrorForOneRequest() throws Exception {
        gateway = start(GatewayConfig.of("override"));
        HttpResponse<String> forced = client.send(completion().header("X-Sim-Status", "422").build(), BodyHandlers.ofString());
        HttpResponse<String> normal = client.send(completion().build(), BodyHandlers.ofString());

        assertThat(forced.statusCode()).isEqualTo(422);
        assertThat(JsonText.parseObject(forced.body())).containsKey("detail");
        assertThat(normal.statusCode()).isEqualTo(200);
    }

    @Test
    void simDelayHeaderDelaysTheResponseHeaders() throws Exception {
        gateway = start(GatewayConfig.of("override"));
        long started = System.nanoTime();
        HttpResponse<String> response = client.send(completion().header("X-Sim-Delay", "300ms").build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void badOverrideHeadersAre400() throws Exception {
        gateway = start(GatewayConfig.of("override"));
        HttpResponse<String> delay = client.send(completion().header("X-Sim-Delay", "soon").build(), BodyHandlers.ofString());
        HttpResponse<String> status = client.send(completion().header("X-Sim-Status", "200").build(), BodyHandlers.ofString());

        assertThat(delay.statusCode()).isEqualTo(400);
        assertThat(delay.body()).contains("x-sim-delay");
        assertThat(status.statusCode()).isEqualTo(400);
        assertThat(status.body()).contains("400..599");
    }

    @Test
    void faultChangesApplyToTheNextRequest() throws Exception {
        gateway = start(GatewayConfig.of("switch"));
        assertThat(client.send(completion().build(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        gateway.setFault(Fault.errors(503, 1.0));
        assertThat(client.send(completion().build(), BodyHandlers.discarding()).statusCode()).isEqualTo(503);
        gateway.setFault(Fault.none());
        assertThat(client.send(completion().build(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    private static boolean readEndsOrResets(RawHttpConnection connection) throws Exception {
        try {
            return connection.read() == -1;
        } catch (SocketException e) {
            return true;
        }
    }

    private HttpRequest.Builder completion() {
        return HttpRequest.newBuilder(gateway.baseUri().resolve("/v2/code/completions"))
                .timeout(Duration.ofSeconds(5))
                .POST(BodyPublishers.ofString("{\"current_file\":{\"file_name\":\"a.py\"}}"));
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(gateway.baseUri().resolve(path)).timeout(Duration.ofSeconds(5)).build();
    }

    private static SimulatedGateway start(GatewayConfig config) {
        return SimulatedGateway.start(config);
    }

    private static SimulatedGateway start(GatewayConfig config, SocketTransport transport) {
        return SimulatedGateway.start(config.withName(config.name() + "-" + transport.name().toLowerCase(Locale.ROOT)),
                transport, Clock.systemUTC());
    }
}
