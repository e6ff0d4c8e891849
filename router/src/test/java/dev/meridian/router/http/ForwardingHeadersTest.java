package dev.meridian.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {

    private static HttpRequest request() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v2/code/completions");
        request.headers().set(HttpHeaderNames.HOST, "gateway.example.com");
        return request;
    }

    @Test
    void hopByHopHeadersAndThoseNamedInConnectionAreRemovedFromRequests() throws Exception {
        HttpRequest request = request();
        request.headers()
                .add(HttpHeaderNames.CONNECTION, "keep-alive, X-Secret-Hop")
                .add(HttpHeaderNames.CONNECTION, "x-other-hop")
                .add("X-Secret-Hop", "1")
                .add("X-Other-Hop", "2")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Connection", "keep-alive")
                .add(HttpHeaderNames.PROXY_AUTHORIZATION, "Basic abc")
                .add(HttpHeaderNames.TE, "gzip")
                .add(HttpHeaderNames.TRAILER, "X-Checksum")
                .add(HttpHeaderNames.UPGRADE, "websocket")
                .add(HttpHeaderNames.CONTENT_LENGTH, "10")
                .add(HttpHeaderNames.AUTHORIZATION, "Bearer jwt")
                .add("X-Gitlab-Instance-Id", "abc");

        ForwardingHeaders.prepareRequest(request, ForwardingHeaders.addressText(InetAddress.getByName("192.0.2.7")), "http", "rid-1");

        assertThat(request.headers().names())
                .map(String::toLowerCase)
                .doesNotContain("connection", "x-secret-hop", "x-other-hop", "keep-alive", "proxy-connection",
                        "proxy-authorization", "te", "trailer", "upgrade", "transfer-encoding");
        assertThat(request.headers().get(HttpHeaderNames.AUTHORIZATION)).isEqualTo("Bearer jwt");
        assertThat(request.headers().get("X-Gitlab-Instance-Id")).isEqualTo("abc");
        assertThat(request.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("10");
    }

    @Test
    void teTrailersIsKeptForGrpcAndHttp2ExtensionHeadersAreDropped() throws Exception {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/meridian.sim.v1.Chat/Converse");
        request.headers()
                .add(HttpHeaderNames.CONNECTION, "te")
                .add(HttpHeaderNames.TE, "trailers")
                .add("x-http2-stream-id", "3")
                .add("x-http2-scheme", "https");

        ForwardingHeaders.prepareRequest(request, ForwardingHeaders.addressText(InetAddress.getByName("192.0.2.7")), "http", "rid-1");

        assertThat(request.headers().get(HttpHeaderNames.TE)).isEqualTo("trailers");
        assertThat(request.headers().names()).map(String::toLowerCase)
                .doesNotContain("connection", "x-http2-stream-id", "x-http2-scheme");
    }

    /** Found by ForwardingHeadersFuzzTest's end-to-end sibling: dropping the framing would let the body be read as a new request. */
    @Test
    void framingAndHostNamedInConnectionStayWithTheRequest() throws Exception {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v2/code/completions");
        request.headers().add(HttpHeaderNames.HOST, "example.com").add(HttpHeaderNames.CONTENT_LENGTH, "5")
                .add(HttpHeaderNames.CONNECTION, "content-length, host, transfer-encoding");

        ForwardingHeaders.prepareRequest(request, ForwardingHeaders.addressText(InetAddress.getLoopbackAddress()), "http", "rid");

        assertThat(request.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("5");
        assertThat(request.headers().get(HttpHeaderNames.HOST)).isEqualTo("example.com");
    }

    @Test
    void connectionTokensAreReadAcrossValuesWithSpacesTabsAndEmptyEntries() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add(HttpHeaderNames.CONNECTION, "X-One ,\tx-TWO, ,close")
                .add(HttpHeaderNames.CONNECTION, "X-Three")
                .add("X-One", "1").add("X-Two", "2").add("X-Three", "3").add("Close", "c").add("X-Kept", "k");

        ForwardingHeaders.removeHopByHop(headers);

        assertThat(headers.names()).containsExactly("X-Kept");
    }

    @Test
    void chunkedRequestsStayChunkedAndLoseAnyContentLength() throws Exception {
        HttpRequest request = request();
        request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");

        ForwardingHeaders.prepareRequest(request, ForwardingHeaders.addressText(InetAddress.getByName("192.0.2.7")), "http", "rid-1");

        assertThat(request.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
    }

    @Test
    void forwardedHeadersAreSetAndForwardedForIsAppended() throws Exception {
        HttpRequest request = request();
        request.headers().set(ForwardingHeaders.X_FORWARDED_FOR, "203.0.113.9");
        request.headers().set(ForwardingHeaders.X_FORWARDED_PROTO, "gopher");

        ForwardingHeaders.prepareRequest(request, ForwardingHeaders.addressText(InetAddress.getByName("2001:db8::1")), "http", "rid-1");

        assertThat(request.headers().get(ForwardingHeaders.X_FORWARDED_FOR)).isEqualTo("203.0.113.9, 2001:db8:0:0:0:0:0:1");
        assertThat(request.headers().get(ForwardingHeaders.X_FORWARDED_PROTO)).isEqualTo("http");
        assertThat(request.headers().get(ForwardingHeaders.X_FORWARDED_HOST)).isEqualTo("gateway.example.com");
        assertThat(request.headers().get(ForwardingHeaders.X_REQUEST_ID)).isEqualTo("rid-1");
    }

    @Test
    void saneRequestIdsAreKeptAndOthersReplaced() {
        HttpRequest request = request();
        request.headers().set(ForwardingHeaders.X_REQUEST_ID, "client-id-42");
        assertThat(ForwardingHeaders.requestId(request.headers())).isEqualTo("client-id-42");

        request.headers().set(ForwardingHeaders.X_REQUEST_ID, "has space");
        assertThat(ForwardingHeaders.requestId(request.headers())).matches("[0-9a-f]{32}");

        request.headers().set(ForwardingHeaders.X_REQUEST_ID, "x".repeat(129));
        assertThat(ForwardingHeaders.requestId(request.headers())).matches("[0-9a-f]{32}");

        request.headers().remove(ForwardingHeaders.X_REQUEST_ID);
        String first = ForwardingHeaders.requestId(request.headers());
        assertThat(first).matches("[0-9a-f]{32}").isNotEqualTo(ForwardingHeaders.requestId(request.headers()));
    }

    @Test
    void responsesWithoutLengthAreChunkedForHttp11ClientsAndCloseDelimitedForHttp10() {
        HttpResponse forHttp11 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        forHttp11.headers().set(HttpHeaderNames.CONNECTION, "keep-alive").set("Keep-Alive", "timeout=5");
        boolean delimited = ForwardingHeaders.prepareResponse(forHttp11, "rid", "us-east4", true, true, true);
        assertThat(delimited).isTrue();
        assertThat(forHttp11.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(forHttp11.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        assertThat(forHttp11.headers().contains("Keep-Alive")).isFalse();
        assertThat(forHttp11.headers().get(ForwardingHeaders.X_MERIDIAN_REGION)).isEqualTo("us-east4");
        assertThat(forHttp11.headers().get(ForwardingHeaders.X_REQUEST_ID)).isEqualTo("rid");

        HttpResponse forHttp10 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        assertThat(ForwardingHeaders.prepareResponse(forHttp10, "rid", "us-east4", false, true, false)).isFalse();
        assertThat(forHttp10.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        assertThat(forHttp10.headers().contains(ForwardingHeaders.X_MERIDIAN_REGION))
                .as("region header switched off")
                .isFalse();
    }

    @Test
    void bodylessResponsesNeedNoFraming() {
        HttpResponse noContent = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        assertThat(ForwardingHeaders.prepareResponse(noContent, "rid", "r", true, true, false)).isTrue();
        assertThat(noContent.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
    }

    @Test
    void aValidTraceparentIsPassedThroughAndItsTraceIdReturned() {
        String given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpHeaders headers = new DefaultHttpHeaders().set("Traceparent", given).set("tracestate", "congo=t61rcWkgMzE");

        assertThat(ForwardingHeaders.traceId(headers)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(headers.getAll("traceparent")).containsExactly(given);
        assertThat(headers.get("tracestate")).as("kept with its trace").isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void aMissingOrInvalidTraceparentIsReplacedByANewTrace() {
        List<String> invalid = List.of(
                "",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",              // no flags
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",           // upper case
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",           // zero trace id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",           // zero parent id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",           // forbidden version
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",     // version 00 has four fields
                "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
                "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01");
        for (String value : invalid) {
            HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", value).set("tracestate", "congo=t61rcWkgMzE");

            String traceId = ForwardingHeaders.traceId(headers);

            assertThat(headers.getAll("traceparent")).as(value).hasSize(1);
            String replaced = headers.get("traceparent");
            assertThat(replaced).as(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00").isNotEqualTo(value);
            assertThat(replaced.substring(3, 35)).isEqualTo(traceId);
            assertThat(ForwardingHeaders.isValidTraceparent(replaced)).isTrue();
            assertThat(headers.contains("tracestate")).as("belonged to the dropped trace").isFalse();
        }
        HttpHeaders none = new DefaultHttpHeaders();
        String first = ForwardingHeaders.traceId(none);
        assertThat(none.get("traceparent")).startsWith("00-" + first + "-");
        assertThat(ForwardingHeaders.traceId(new DefaultHttpHeaders())).as("a new trace each time").isNotEqualTo(first);
        HttpHeaders two = new DefaultHttpHeaders()
                .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .add("traceparent", "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(ForwardingHeaders.traceId(two)).as("two headers are ambiguous").isNotIn(
                "4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(two.getAll("traceparent")).hasSize(1);
    }

    @Test
    void aLaterVersionWithMoreFieldsIsAccepted() {
        String future = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds";
        HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", future);

        assertThat(ForwardingHeaders.traceId(headers)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(headers.get("traceparent")).isEqualTo(future);
    }
}
