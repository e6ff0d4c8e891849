package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each limit answers with its own status and a JSON error body, and the upstream never sees the request. */
class LimitsProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1).server("{max-initial-line-length: 1KiB, max-header-size: 2KiB}"));

    @Test
    void aRequestLineOverTheLimitGets414() throws Exception {
        assertRejected("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414, "uri_too_long");
    }

    @Test
    void headersOverTheLimitGet431() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(3000) + "\r\n\r\n", 431,
                "headers_too_large");
    }

    @Test
    void aMalformedRequestGets400() throws Exception {
        assertRejected("this is not http\r\n\r\n", 400, "invalid_request_line");
    }

    @Test
    void contentLengthWithTransferEncodingGets400() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n", 400, "ambiguous_framing");
    }

    @Test
    void anUnknownExpectationGets417() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n{}",
                417, "expectation_failed");
    }

    @Test
    void expectContinueIsAnsweredByTheRouter() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(100);
            client.send("{}");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).contains("\"bodyBytes\":2").doesNotContain("\"expect\"");
        }
    }

    private void assertRejected(String request, int status, String error) throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(request);
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(status);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.text()).startsWith("{\"error\":\"" + error + "\",\"detail\":\"");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer()).isTrue();
        }
        assertThat(fixture.totalRequests()).isZero();
    }
}
