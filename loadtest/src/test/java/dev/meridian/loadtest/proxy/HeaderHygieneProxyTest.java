package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the upstream sees of a request, and what the client sees of a response. */
class HeaderHygieneProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1));

    @Test
    void hopByHopHeadersAreNotForwardedAndForwardingHeadersAreSet() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("POST /echo HTTP/1.1\r\n"
                    + "Host: ai.example.com\r\n"
                    + "Connection: keep-alive, X-Hop-Secret\r\n"
                    + "X-Hop-Secret: do-not-forward\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                    + "TE: gzip\r\n"
                    + "Upgrade: websocket\r\n"
                    + "X-Forwarded-For: 203.0.113.50\r\n"
                    + "X-Forwarded-Proto: https\r\n"
                    + "Authorization: Bearer token\r\n"
                    + "X-Gitlab-Instance-Id: instance-1\r\n"
                    + "Content-Length: 2\r\n"
                    + "\r\n{}");
            RawHttpClient.Response response = client.readResponse();

            assertThat(response.status()).isEqualTo(200);
            String seen = response.text().toLowerCase();
            assertThat(seen)
                    .doesNotContain("\"x-hop-secret\"")
                    .doesNotContain("\"keep-alive\"")
                    .doesNotContain("\"proxy-authorization\"")
                    .doesNotContain("\"te\"")
                    .doesNotContain("\"upgrade\"")
                    .contains("\"x-forwarded-for\":[\"203.0.113.50, 127.0.0.1\"]")
                    .contains("\"x-forwarded-proto\":[\"http\"]")
                    .contains("\"x-forwarded-host\":[\"ai.example.com\"]")
                    .contains("\"authorization\":[\"bearer token\"]")
                    .contains("\"x-gitlab-instance-id\":[\"instance-1\"]");
            assertThat(response.header("X-Meridian-Region")).isEqualTo("us-east4");
        }
    }

    @Test
    void aClientRequestIdIsForwardedAndReturned() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "POST /echo HTTP/1.1\r\nHost: t\r\nX-Request-ID: abc-123\r\nContent-Length: 0\r\n\r\n");
        assertThat(response.header("X-Request-ID")).isEqualTo("abc-123");
        assertThat(response.text().toLowerCase()).contains("\"x-request-id\":[\"abc-123\"]");
    }

    @Test
    void aMissingRequestIdIsGeneratedForwardedAndReturned() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
        String id = response.header("X-Request-ID");
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(response.text()).contains("\"x-request-id\":[\"" + id + "\"]");
    }

    @Test
    void theRegionHeaderCanBeSwitchedOff() throws Exception {
        try (ProxyFixture quiet = ProxyFixture.start(ProxyFixture.oneRegion(1).server("{region-header: false}"));
                RawHttpClient client = new RawHttpClient(quiet.port())) {
            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("X-Meridian-Region")).isNull();
        }
    }
}
