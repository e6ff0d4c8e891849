package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Upstream failures become 502 and 504 with JSON bodies that name no internal address. */
class UpstreamFailureProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1)
            .route("completions", "/v2/code/completions", "timeouts: {connect: 500ms, first-byte: 300ms, idle: 300ms, total: 5s}")
            .route("suggestions", "/v4/code/suggestions", "timeouts: {first-byte: 2s, idle: 300ms, total: 10s}"));

    @Test
    void connectionRefusedGives502() throws Exception {
        fixture.gateway(0).down();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/v2/code/completions", Map.of(), "{}".getBytes(UTF_8));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.text()).contains("\"error\":\"upstream_unavailable\"");
            assertNoInternalAddress(response);

            fixture.gateway(0).up();
            client.sendRequest("POST", "/v2/code/completions", Map.of(), "{}".getBytes(UTF_8));
            assertThat(client.readResponse().status())
                    .as("the client connection survives an upstream failure")
                    .isEqualTo(200);
        }
    }

    @Test
    void noFirstByteWithinTheRouteTimeoutGives504AndCancelsTheUpstream() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/v2/code/completions", Map.of("X-Sim-Delay", "3s"), "{}".getBytes(UTF_8));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(504);
            assertThat(response.text()).contains("\"error\":\"upstream_timeout\"");
            assertNoInternalAddress(response);
        }
        Awaitility.await("the slow upstream exchange was abandoned").atMost(Duration.ofSeconds(5))
                .until(() -> fixture.gateway(0).stats().cancelled() == 1);
    }

    @Test
    void anSseStreamThatGoesQuietLongerThanTheIdleTimeoutEndsWithAnErrorEvent() throws Exception {
        fixture.gateway(0).holdStreams(true);
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/v4/code/suggestions", Map.of("X-Sim-Chunks", "5"), "{}".getBytes(UTF_8));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).contains("stream_start").doesNotContain("stream_end")
                    .contains("event: error\ndata: {\"error\":\"upstream_broken\"");
            assertThat(response.complete()).as("Meridian frames the SSE stream, so it ends it cleanly").isTrue();
        } finally {
            fixture.gateway(0).holdStreams(false);
        }
    }

    @Test
    void anNdjsonStreamBrokenByTheUpstreamEndsWithAnErrorLine() throws Exception {
        fixture.gateway(0).setFault(new dev.meridian.loadtest.gateway.Fault.ResetMidStream(2));
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/v2/chat/agent", Map.of("X-Sim-Chunks", "10"), "{}".getBytes(UTF_8));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.complete()).isTrue();
            assertThat(response.text().lines().reduce((first, second) -> second).orElseThrow())
                    .startsWith("{\"error\":\"upstream_broken\"");
            assertThat(response.text()).doesNotContain("\"final\"");
        }
    }

    @Test
    void anyOtherResponseBrokenByTheUpstreamIsCutSoTheClientCanTell() throws Exception {
        fixture.gateway(0).setFault(new dev.meridian.loadtest.gateway.Fault.ResetMidStream(2));
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("GET", "/bytes/1000000", Map.of(), new byte[0]);
            RawHttpClient.Response response;
            try {
                response = client.readResponse();
            } catch (java.io.IOException reset) {
                return; // a reset reaching the client is an unclean end too
            }
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.complete()).as("the client can tell the stream was cut").isFalse();
        }
    }

    private static void assertNoInternalAddress(RawHttpClient.Response response) {
        assertThat(response.text()).doesNotContain("127.0.0.1").doesNotContain("localhost");
    }
}
