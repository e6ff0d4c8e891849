package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Upstream connections are pooled and reused across requests. */
class KeepAliveProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(2).server("{event-loops: 2}"));

    @Test
    void aThousandSequentialRequestsUseAHandfulOfUpstreamConnections() throws Exception {
        byte[] body = "{\"prompt\":\"x\"}".getBytes(UTF_8);
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            for (int i = 0; i < 1000; i++) {
                client.sendRequest("POST", "/v2/code/completions", Map.of("Content-Type", "application/json"), body);
                RawHttpClient.Response response = client.readResponse();
                assertThat(response.status()).isEqualTo(200);
            }
        }
        assertThat(fixture.totalRequests()).isEqualTo(1000);
        assertThat(fixture.totalConnectionsAccepted())
                .as("one client connection on one event loop needs at most one connection per replica")
                .isBetween(1L, 2L);
    }

    @Test
    void idleUpstreamConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (ProxyFixture quick = ProxyFixture.start(ProxyFixture.oneRegion(1).set("upstream", "{idle-timeout: 300ms}"));
                RawHttpClient client = new RawHttpClient(quick.port())) {
            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            assertThat(quick.gateway(0).stats().openConnections()).isEqualTo(1);

            org.awaitility.Awaitility.await("idle pooled connection evicted")
                    .atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> quick.gateway(0).stats().openConnections() == 0);

            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.readResponse().status()).as("a new connection is made when needed").isEqualTo(200);
            assertThat(quick.gateway(0).stats().connectionsAccepted()).isEqualTo(2);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Request-ID: first\r\n\r\n"
                    + "GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Request-ID: second\r\n\r\n"
                    + "GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Request-ID: third\r\n\r\n");
            assertThat(client.readResponse().header("X-Request-ID")).isEqualTo("first");
            assertThat(client.readResponse().header("X-Request-ID")).isEqualTo("second");
            assertThat(client.readResponse().header("X-Request-ID")).isEqualTo("third");
        }
    }

    @Test
    void connectionCloseFromTheClientIsHonoured() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer()).isTrue();
        }
    }

    @Test
    void http10ClientsGetACloseDelimitedResponse() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "POST /v4/code/suggestions HTTP/1.0\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Transfer-Encoding")).isNull();
        assertThat(response.text()).contains("stream_end");
    }
}
