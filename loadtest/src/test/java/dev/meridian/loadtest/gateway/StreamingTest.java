package dev.meridian.loadtest.gateway;

import dev.meridian.loadtest.SocketTransport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SSE and NDJSON streams over real sockets: event sequence, one chunk per event, pacing, hold. */
class StreamingTest {

    private SimulatedGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @ParameterizedTest
    @EnumSource(SocketTransport.class)
    void sseSendsStartContentChunksAndEndEachAsItsOwnHttpChunk(SocketTransport transport) throws Exception {
        gateway = start(transport);
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x\r\nx-sim-chunks: 3\r\nx-sim-chunk-interval: 1ms",
                    "{\"stream\":true}".getBytes(StandardCharsets.UTF_8));
            RawHttpConnection.Head head = connection.readHead();
            List<String> events = new ArrayList<>();
            for (byte[] chunk = connection.readChunk(); chunk != null && events.size() < 10; chunk = connection.readChunk()) {
                events.add(new String(chunk, StandardCharsets.UTF_8));
            }

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-type")).startsWith("text/event-stream");
            assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(events).as("one HTTP chunk per event").hasSize(5);
            assertThat(events).allSatisfy(event -> assertThat(event).endsWith("\n\n").contains("\ndata: {"));
            assertThat(events.stream().map(StreamingTest::eventName).collect(Collectors.toList()))
                    .containsExactly("stream_start", "content_chunk", "content_chunk", "content_chunk", "stream_end");
            assertThat(data(events.get(1))).isEqualTo(
                    Map.of("choices", List.of(Map.of("delta", Map.of("content", "def "), "index", BigDecimal.ZERO))));
            assertThat(data(events.get(4))).isEqualTo(Map.of("metadata", Map.of("chunks", BigDecimal.valueOf(3))));
        }
    }

    @Test
    void ndjsonSendsOneObjectPerLineAndEndsWithFinal() throws Exception {
        gateway = start(SocketTransport.preferred());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(gateway.baseUri().resolve("/v2/chat/agent"))
                .timeout(Duration.ofSeconds(5))
                .header("X-Sim-Chunks", "4").header("X-Sim-Chunk-Interval", "2ms")
                .POST(BodyPublishers.ofString("{\"prompt\":\"hi\"}")).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        List<String> lines = response.body().lines().collect(Collectors.toList());
        assertThat(lines).hasSize(5);
        assertThat(lines.subList(0, 4)).allSatisfy(line -> assertThat(JsonText.parseObject(line)).containsEntry("type", "chunk"));
        assertThat(JsonText.parseObject(lines.get(4)))
                .containsEntry("type", "final")
                .containsEntry("chunks", BigDecimal.valueOf(4));
    }

    @Test
    void ndjsonFlushesEachLineAsItsOwnChunk() throws Exception {
        gateway = start(SocketTransport.preferred());
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v2/chat/agent HTTP/1.1\r\nhost: x\r\nx-sim-chunks: 2\r\nx-sim-chunk-interval: 0ms");
            connection.readHead();
            List<String> chunks = new ArrayList<>();
            for (byte[] chunk = connection.readChunk(); chunk != null && chunks.size() < 10; chunk = connection.readChunk()) {
                chunks.add(new String(chunk, StandardCharsets.UTF_8));
            }

            assertThat(chunks).hasSize(3).allSatisfy(line -> assertThat(line).endsWith("}\n").doesNotContain("}\n{"));
        }
    }

    @Test
    void eventsArePacedByTheChunkInterval() throws Exception {
        gateway = start(SocketTransport.preferred());
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            long started = System.nanoTime();
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x\r\nx-sim-chunks: 4\r\nx-sim-chunk-interval: 50ms");
            connection.readHead();
            connection.readChunk();
            long firstEvent = System.nanoTime();
            while (connection.readChunk() != null) {
                // drain the rest
            }
            long lastEvent = System.nanoTime();

            assertThat(Duration.ofNanos(firstEvent - started)).as("the first event is sent at once").isLessThan(Duration.ofMillis(200));
            assertThat(Duration.ofNanos(lastEvent - firstEvent)).as("5 intervals of 50ms").isGreaterThanOrEqualTo(Duration.ofMillis(240));
        }
    }

    @ParameterizedTest
    @EnumSource(value = EventFormat.class)
    void heldStreamsSendTheirFirstEventThenWaitUntilReleased(EventFormat format) throws Exception {
        gateway = start(SocketTransport.preferred());
        String path = format == EventFormat.SSE ? "/v4/code/suggestions" : "/v2/chat/agent";
        gateway.holdStreams(true);
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port(), Duration.ofMillis(300), 0)) {
            connection.send("POST " + path + " HTTP/1.1\r\nhost: x\r\nx-sim-chunks: 3\r\nx-sim-chunk-interval: 0ms");
            connection.readHead();
            byte[] first = connection.readChunk();

            assertThat(new String(first, StandardCharsets.UTF_8)).contains(format == EventFormat.SSE ? "stream_start" : "\"chunk\"");
            assertThat(readsWithinTimeout(connection)).as("nothing after the first event while held").isFalse();

            gateway.holdStreams(false);
            List<byte[]> rest = new ArrayList<>();
            for (byte[] chunk = connection.readChunk(); chunk != null && rest.size() < 10; chunk = connection.readChunk()) {
                rest.add(chunk);
            }
            assertThat(rest).hasSize(format.events(3) - 1);
        }
    }

    @Test
    void holdingDoesNotBlockOtherRequests() throws Exception {
        gateway = start(SocketTransport.preferred());
        gateway.holdStreams(true);
        try (RawHttpConnection held = RawHttpConnection.open(gateway.port());
                RawHttpConnection other = RawHttpConnection.open(gateway.port())) {
            held.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x");
            held.readHead();
            held.readChunk();
            other.send("POST /v2/code/completions HTTP/1.1\r\nhost: x", "{}".getBytes(StandardCharsets.UTF_8));

            assertThat(other.readResponse().status()).as("same event loop, still answering").isEqualTo(200);
        }
    }

    @Test
    void badChunkHeadersAre400() throws Exception {
        gateway = start(SocketTransport.preferred());
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x\r\nx-sim-chunks: lots");
            RawHttpConnection.Response chunks = connection.readResponse();
            connection.send("POST /v4/code/suggestions HTTP/1.1\r\nhost: x\r\nx-sim-chunk-interval: soon");
            RawHttpConnection.Response interval = connection.readResponse();

            assertThat(chunks.status()).isEqualTo(400);
            assertThat(chunks.body()).contains("x-sim-chunks");
            assertThat(interval.status()).isEqualTo(400);
            assertThat(interval.body()).contains("x-sim-chunk-interval");
        }
    }

    @Test
    void streamCountsAsCompletedOnlyAfterItsLastEvent() throws Exception {
        gateway = start(SocketTransport.preferred());
        gateway.holdStreams(true);
        try (RawHttpConnection connection = RawHttpConnection.open(gateway.port())) {
            connection.send("POST /v2/chat/agent HTTP/1.1\r\nhost: x\r\nx-sim-chunk-interval: 0ms");
            connection.readHead();
            connection.readChunk();
            assertThat(gateway.stats().responsesCompleted()).isZero();

            gateway.holdStreams(false);
            while (connection.readChunk() != null) {
                // drain
            }
            await().atMost(Duration.ofSeconds(2)).untilAsserted(
                    () -> assertThat(gateway.stats().responsesCompleted()).isEqualTo(1));
        }
    }

    private static boolean readsWithinTimeout(RawHttpConnection connection) throws Exception {
        try {
            return connection.read() >= 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static SimulatedGateway start(SocketTransport transport) {
        return SimulatedGateway.start(GatewayConfig.of("stream-" + transport.name().toLowerCase(java.util.Locale.ROOT)),
                transport, java.time.Clock.systemUTC());
    }

    private static String eventName(String event) {
        return event.lines().filter(line -> line.startsWith("event: ")).findFirst().orElseThrow().substring(7);
    }

    private static Map<String, Object> data(String event) {
        return JsonText.parseObject(event.lines().filter(line -> line.startsWith("data: ")).findFirst().orElseThrow().substring(6));
    }
}
