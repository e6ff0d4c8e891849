package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streamed responses reach the client chunk by chunk, while the upstream still holds back the rest. */
class StreamingProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1));

    @Test
    void sseEventsArriveOneByOneWhileTheUpstreamHoldsTheRest() throws Exception {
        assertFirstChunkArrivesBeforeTheRest("/v4/code/suggestions", "event: stream_start", "event: stream_end");
    }

    @Test
    void ndjsonLinesArriveOneByOneWhileTheUpstreamHoldsTheRest() throws Exception {
        assertFirstChunkArrivesBeforeTheRest("/v2/chat/agent", "{", "\"final\"");
    }

    private void assertFirstChunkArrivesBeforeTheRest(String path, String firstMarker, String lastMarker)
            throws Exception {
        fixture.gateway(0).holdStreams(true);
        List<String> received = new CopyOnWriteArrayList<>();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", path, Map.of("Content-Type", "application/json", "X-Sim-Chunks", "5"),
                    "{\"prompt\":\"def hello\"}".getBytes(UTF_8));
            CompletableFuture<RawHttpClient.Response> response = client.readResponseAsync(received);

            Awaitility.await("first chunk through the router").atMost(Duration.ofSeconds(5))
                    .until(() -> received.stream().anyMatch(c -> c.contains(firstMarker)));
            assertThat(response).as("the upstream still holds the rest of the stream").isNotDone();
            assertThat(String.join("", received)).doesNotContain(lastMarker);

            fixture.gateway(0).holdStreams(false);
            RawHttpClient.Response done = response.get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(200);
            assertThat(done.complete()).isTrue();
            assertThat(done.text()).contains(firstMarker).contains(lastMarker);
            assertThat(received.size()).as("the body arrived in several chunks").isGreaterThan(2);
            assertThat(done.header("X-Meridian-Region")).isEqualTo("us-east4");
        }
    }
}
