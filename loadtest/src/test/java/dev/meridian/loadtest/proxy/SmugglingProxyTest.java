package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling and ambiguity, end to end over a real socket: every malformed or ambiguous
 * request gets its status and stable error code, an {@code X-Request-ID}, a closed connection, and
 * the gateway behind the router receives nothing from it, not even a request pipelined behind it.
 * A few well-formed edge cases must pass through intact. See src/docs/security.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmugglingProxyTest {

    private static final String H = "Host: t\r\n";
    private static final String POST = "POST /echo HTTP/1.1\r\n" + H;
    private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1).server("{hosts: [ai.example.com]}"));

    private static Arguments refused(String name, String raw, String code) {
        return Arguments.of(name, raw, code);
    }

    static Stream<Arguments> refusals() {
        List<Arguments> cases = new ArrayList<>();
        // ---- framing: the length of the body is ambiguous (RFC 9112 §6.1–6.3, RFC 9110 §8.6)
        String af = "ambiguous_framing";
        cases.add(refused("CL then TE", POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", af));
        cases.add(refused("TE then CL", POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("differing Content-Lengths", POST + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", af));
        cases.add(refused("identical Content-Lengths", POST + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", af));
        cases.add(refused("Content-Length list", POST + "Content-Length: 4, 4\r\n\r\nabcd", af));
        cases.add(refused("negative Content-Length", POST + "Content-Length: -1\r\n\r\n", af));
        cases.add(refused("signed Content-Length", POST + "Content-Length: +4\r\n\r\nabcd", af));
        cases.add(refused("hex Content-Length", POST + "Content-Length: 0x4\r\n\r\nabcd", af));
        cases.add(refused("empty Content-Length", POST + "Content-Length: \r\n\r\n", af));
        cases.add(refused("overflowing Content-Length", POST + "Content-Length: 99999999999999999999999\r\n\r\n", af));
        cases.add(refused("TE gzip, chunked", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE chunked, chunked", POST + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE chunked twice", POST
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE Chunked", POST + "Transfer-Encoding: Chunked \r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE xchunked", POST + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE identity", POST + "Transfer-Encoding: identity\r\n\r\n", af));
        cases.add(refused("TE chunked, gzip", POST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", af));
        cases.add(refused("TE on HTTP/1.0", "POST /echo HTTP/1.0\r\n" + H
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", af));
        // ---- header fields (RFC 9112 §2.2, §5, RFC 9110 §5.5)
        String ih = "invalid_header";
        cases.add(refused("space before colon in TE", POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", ih));
        cases.add(refused("space before colon in CL", POST + "Content-Length : 3\r\n\r\nabc", ih));
        cases.add(refused("tab before colon", POST + "Content-Length\t: 3\r\n\r\nabc", ih));
        cases.add(refused("vertical tab before TE value", POST + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n", ih));
        cases.add(refused("obs-fold of TE", POST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", ih));
        cases.add(refused("bare LF line ends", "GET /echo HTTP/1.1\nHost: t\n\n", ih));
        cases.add(refused("bare LF after a header", "GET /echo HTTP/1.1\r\nHost: t\nX: y\r\n\r\n", ih));
        cases.add(refused("bare CR after a header", "GET /echo HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", ih));
        cases.add(refused("NUL in a value", "GET /echo HTTP/1.1\r\n" + H + "X: a\u0000b\r\n\r\n", ih));
        cases.add(refused("CTL in a value", "GET /echo HTTP/1.1\r\n" + H + "X: a\u0001b\r\n\r\n", ih));
        cases.add(refused("DEL in a value", "GET /echo HTTP/1.1\r\n" + H + "X: a\u007fb\r\n\r\n", ih));
        cases.add(refused("space in a name", "GET /echo HTTP/1.1\r\n" + H + "X Y: a\r\n\r\n", ih));
        cases.add(refused("@ in a name", "GET /echo HTTP/1.1\r\n" + H + "X@Y: a\r\n\r\n", ih));
        cases.add(refused("NUL in a name", "GET /echo HTTP/1.1\r\n" + H + "X\u0000Y: a\r\n\r\n", ih));
        cases.add(refused("empty name", "GET /echo HTTP/1.1\r\n" + H + ": a\r\n\r\n", ih));
        cases.add(refused("no colon", "GET /echo HTTP/1.1\r\n" + H + "NoColon\r\n\r\n", ih));
        cases.add(refused("first header line folded", "GET /echo HTTP/1.1\r\n Host: t\r\n\r\n", ih));
        cases.add(refused("two Host headers", "GET /echo HTTP/1.1\r\nHost: t\r\nHost: ai.example.com\r\n\r\n", ih));
        cases.add(refused("no Host on HTTP/1.1", "GET /echo HTTP/1.1\r\n\r\n", ih));
        cases.add(refused("invalid Host", "GET /echo HTTP/1.1\r\nHost: t/evil\r\n\r\n", ih));
        // ---- request line (RFC 9112 §3, §2.3)
        String rl = "invalid_request_line";
        cases.add(refused("method not a token", "G@T /echo HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("space in target", "GET /echo x HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("HTTP/2.0 in an HTTP/1 line", "GET /echo HTTP/2.0\r\n" + H + "\r\n", rl));
        cases.add(refused("HTTP/1.2", "GET /echo HTTP/1.2\r\n" + H + "\r\n", rl));
        cases.add(refused("HTTP/3.0", "GET /echo HTTP/3.0\r\n" + H + "\r\n", rl));
        cases.add(refused("missing version", "GET /echo\r\n" + H + "\r\n", rl));
        cases.add(refused("HTTP/0.9", "GET /echo\r\n\r\n", rl));
        cases.add(refused("space after version", "GET /echo HTTP/1.1 \r\n" + H + "\r\n", rl));
        cases.add(refused("unknown protocol", "GET /echo FOO/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("CTL in target", "GET /ec\u0001ho HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("non-ASCII in target", "GET /\u00e9cho HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("authority-form", "CONNECT ai.example.com:443 HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("asterisk-form for GET", "GET * HTTP/1.1\r\n" + H + "\r\n", rl));
        cases.add(refused("userinfo in absolute-form", "GET http://u@ai.example.com/echo HTTP/1.1\r\n" + H + "\r\n", rl));
        // ---- chunked framing (RFC 9112 §7.1)
        String ic = "invalid_chunk";
        cases.add(refused("negative chunk size", CHUNKED + "-5\r\nabcde\r\n0\r\n\r\n", ic));
        cases.add(refused("chunk size overflow", CHUNKED + "ffffffffffffffff1\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("non-hex chunk size", CHUNKED + "zz\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("0x chunk size", CHUNKED + "0x3\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("empty chunk size", CHUNKED + "\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("chunk data without CRLF", CHUNKED + "3\r\nabcX0\r\n\r\n", ic));
        cases.add(refused("chunk data ended by bare LF", CHUNKED + "3\r\nabc\n0\r\n\r\n", ic));
        cases.add(refused("chunk size ended by bare LF", CHUNKED + "3\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("CTL in chunk extension", CHUNKED + "3;\u0001\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("bare LF in chunk extension", CHUNKED + "3;a\nb\r\nabc\r\n0\r\n\r\n", ic));
        cases.add(refused("invalid trailer name", CHUNKED + "3\r\nabc\r\n0\r\nX Y: v\r\n\r\n", ic));
        // ---- hosts (RFC 9112 §3.2.2)
        String hn = "host_not_allowed";
        cases.add(refused("absolute-form for another host", "GET http://evil.example/echo HTTP/1.1\r\n" + H + "\r\n", hn));
        cases.add(refused("absolute-form https for another host",
                "GET https://evil.example:443/echo HTTP/1.1\r\n" + H + "\r\n", hn));
        // ---- a request smuggled behind a refused one is never forwarded either
        cases.add(refused("GET behind TE gzip, chunked", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
                + "GET /echo?smuggled HTTP/1.1\r\n" + H + "\r\n", af));
        cases.add(refused("GET behind a bad Host", "GET /echo HTTP/1.1\r\nHost: t/x\r\n\r\n"
                + "GET /echo?smuggled HTTP/1.1\r\n" + H + "\r\n", ih));
        cases.add(refused("GET inside a bad chunk", CHUNKED + "zz\r\nGET /echo?smuggled HTTP/1.1\r\n" + H + "\r\n", ic));
        return cases.stream();
    }

    @Test
    void theTableIsBigEnough() {
        assertThat(refusals().count()).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusals")
    void refusedAndClosedAndNeverForwarded(String name, String raw, String code) throws Exception {
        long requestsBefore = fixture.totalRequests();
        long bytesBefore = fixture.gateway(0).stats().bytesReceived();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(raw);
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).as(name).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.text()).as(name).startsWith("{\"error\":\"" + code + "\",\"detail\":\"");
            assertThat(response.text()).as("nothing internal reaches the client")
                    .doesNotContain("Exception").doesNotContain("127.0.0.1").doesNotContain("\tat ");
            assertThat(response.header("X-Request-ID")).isNotBlank();
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.isClosedByPeer()).as("connection closed").isTrue();
        }
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(fixture.totalRequests()).as("requests the gateway saw").isEqualTo(requestsBefore);
            assertThat(fixture.gateway(0).stats().bytesReceived()).isEqualTo(bytesBefore);
        });
    }

    @Test
    void aRefusalAfterAGoodRequestOnTheSameConnectionForwardsOnlyTheGoodOne() throws Exception {
        long requestsBefore = fixture.totalRequests();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("GET /echo HTTP/1.1\r\n" + H + "\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            client.send(POST + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                    + "GET /echo?smuggled HTTP/1.1\r\n" + H + "\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.text()).startsWith("{\"error\":\"ambiguous_framing\"");
            assertThat(client.isClosedByPeer()).isTrue();
        }
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(fixture.totalRequests()).isEqualTo(requestsBefore + 1));
    }

    @Test
    void aBadChunkInALaterReadAbortsTheUpstreamRequestBeforeItIsComplete() throws Exception {
        // The gateway is shared by the class's tests: an upstream request an earlier test aborted can
        // be counted late, so start from a count that has stopped moving.
        AtomicLong lastSeen = new AtomicLong(-1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> {
            long now = fixture.gateway(0).stats().cancelled();
            return lastSeen.getAndSet(now) == now;
        });
        long completedBefore = fixture.gateway(0).stats().responsesCompleted();
        long cancelledBefore = fixture.gateway(0).stats().cancelled();
        long bytesBefore = fixture.gateway(0).stats().bytesReceived();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(CHUNKED + "3\r\nabc\r\n");
            // The clean first chunk went upstream; the request there is still incomplete.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fixture.gateway(0).stats().bytesReceived() == bytesBefore + 3);
            client.send("zz\r\nGET /echo?smuggled HTTP/1.1\r\n" + H + "\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.text()).startsWith("{\"error\":\"invalid_chunk\"");
            assertThat(client.isClosedByPeer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(fixture.gateway(0).stats().cancelled())
                .as("the upstream request was aborted").isEqualTo(cancelledBefore + 1));
        assertThat(fixture.gateway(0).stats().responsesCompleted()).isEqualTo(completedBefore);
        assertThat(fixture.gateway(0).stats().bytesReceived()).isEqualTo(bytesBefore + 3);
    }

    @Test
    void aChunkedBodyWithExtensionsAndATrailerPassesThroughIntact() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(CHUNKED + "3;name=val\r\nabc\r\n2;q=\"a b\"\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).contains("\"bodyBytes\":5").contains("\"transfer-encoding\":[\"chunked\"]");
            // The connection stays usable after a well-formed chunked request.
            client.send("GET /echo HTTP/1.1\r\n" + H + "\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
    }

    @Test
    void anAbsoluteFormTargetForAServedHostIsForwardedInOriginFormWithThatHost() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "GET http://ai.example.com/echo?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).contains("\"uri\":\"/echo?x=1\"").contains("\"host\":[\"ai.example.com\"]");
    }

    @Test
    void aFoldedOrdinaryHeaderIsJoinedWithASpaceAndAnEmptyLineBeforeTheRequestIsIgnored() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "\r\nGET /echo HTTP/1.1\r\n" + H + "X-Folded: a\r\n b\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text().toLowerCase()).contains("\"x-folded\":[\"a b\"]");
    }

    @Test
    void anHttp10RequestWithContentLengthPasses() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "POST /echo HTTP/1.0\r\nHost: ai.example.com\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).contains("\"bodyBytes\":2");
    }
}
