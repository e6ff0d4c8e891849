package dev.meridian.router.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.MessageFraming;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each input goes through Netty's decoder with Meridian's configuration and then through
 * {@link MessageFraming}, as in {@link ProxyHandler}: the table pins which layer refuses what, so a
 * Netty upgrade that loosens its decoder shows up here.
 */
class MessageFramingTest {

    private static final String H = "Host: t\r\n";
    private static final List<String> ANY_HOST = List.of();

    /** The verdict for raw request bytes: the error, or {@code null} when the request is accepted. */
    private static @Nullable ErrorResponse verdict(String raw, List<String> hosts) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(
                ClientChannelInitializer.decoderConfig(4096, 8192)));
        try {
            channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
            ErrorResponse verdict = null;
            boolean headSeen = false;
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                try {
                    if (verdict != null) {
                        continue;
                    }
                    if (msg instanceof HttpRequest) {
                        HttpRequest request = (HttpRequest) msg;
                        headSeen = true;
                        if (request.decoderResult().isFailure()) {
                            verdict = MessageFraming.errorForDecoderFailure(request.decoderResult().cause(), false);
                        } else {
                            MessageFraming.Problem problem = MessageFraming.checkRequest(request, hosts);
                            verdict = problem == null ? null : problem.error();
                        }
                        if (verdict != null) {
                            break;
                        }
                    } else if (msg instanceof HttpContent && ((HttpContent) msg).decoderResult().isFailure()) {
                        verdict = MessageFraming.errorForDecoderFailure(((HttpContent) msg).decoderResult().cause(),
                                headSeen);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            assertThat(headSeen || verdict != null).as("the decoder produced a request").isTrue();
            return verdict;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    static Stream<Arguments> requests() {
        String chunked = "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                // framing
                Arguments.of("CL and TE", "POST / HTTP/1.1\r\n" + H
                        + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("differing CLs", "POST / HTTP/1.1\r\n" + H
                        + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("identical CLs", "POST / HTTP/1.1\r\n" + H
                        + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("CL list", "POST / HTTP/1.1\r\n" + H + "Content-Length: 4, 4\r\n\r\nabcd",
                        ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("negative CL", "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n",
                        ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("TE gzip, chunked", "POST / HTTP/1.1\r\n" + H
                        + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("TE chunked, chunked", "POST / HTTP/1.1\r\n" + H
                        + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("TE Chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                        ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("TE xchunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n",
                        ErrorResponse.AMBIGUOUS_FRAMING),
                Arguments.of("TE on HTTP/1.0", "POST / HTTP/1.0\r\n" + H
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ErrorResponse.AMBIGUOUS_FRAMING),
                // header fields
                Arguments.of("space before colon", "POST / HTTP/1.1\r\n" + H
                        + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("bare LF", "GET / HTTP/1.1\r\nHost: t\nX: y\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("bare CR", "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("NUL in value", "GET / HTTP/1.1\r\n" + H + "X: a\u0000b\r\n\r\n",
                        ErrorResponse.INVALID_HEADER),
                Arguments.of("name with @", "GET / HTTP/1.1\r\n" + H + "X@Y: a\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("no colon", "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("no Host", "GET / HTTP/1.1\r\n\r\n", ErrorResponse.INVALID_HEADER),
                Arguments.of("bad Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ErrorResponse.INVALID_HEADER),
                // request line
                Arguments.of("bad method", "G@T / HTTP/1.1\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("space in target", "GET /a b HTTP/1.1\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("CTL in target", "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n",
                        ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("HTTP/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("no version", "GET /\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("authority-form", "CONNECT a:443 HTTP/1.1\r\n" + H + "\r\n",
                        ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("* not for OPTIONS", "GET * HTTP/1.1\r\n" + H + "\r\n", ErrorResponse.INVALID_REQUEST_LINE),
                Arguments.of("absolute-form, no hosts configured", "GET http://t/x HTTP/1.1\r\n" + H + "\r\n",
                        ErrorResponse.HOST_NOT_ALLOWED),
                // chunks
                Arguments.of("negative chunk size", chunked + "-5\r\nabcde\r\n0\r\n\r\n", ErrorResponse.INVALID_CHUNK),
                Arguments.of("chunk size overflow", chunked + "ffffffffffffffff1\r\nabc\r\n0\r\n\r\n",
                        ErrorResponse.INVALID_CHUNK),
                Arguments.of("non-hex chunk size", chunked + "zz\r\nabc\r\n0\r\n\r\n", ErrorResponse.INVALID_CHUNK),
                Arguments.of("chunk without CRLF", chunked + "3\r\nabcX0\r\n\r\n", ErrorResponse.INVALID_CHUNK),
                Arguments.of("bad chunk extension", chunked + "3;\u0001\r\nabc\r\n0\r\n\r\n", ErrorResponse.INVALID_CHUNK),
                Arguments.of("bare LF in chunk extension", chunked + "3;a\nb\r\nabc\r\n0\r\n\r\n",
                        ErrorResponse.INVALID_CHUNK),
                Arguments.of("bad trailer name", chunked + "3\r\nabc\r\n0\r\nX Y: v\r\n\r\n", ErrorResponse.INVALID_CHUNK),
                // accepted
                Arguments.of("plain GET", "GET /a?b=c HTTP/1.1\r\n" + H + "\r\n", null),
                Arguments.of("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", null),
                Arguments.of("OPTIONS *", "OPTIONS * HTTP/1.1\r\n" + H + "\r\n", null),
                Arguments.of("chunked with extensions and trailer", chunked
                        + "3;name=val\r\nabc\r\n2;q=\"a b\"\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n", null),
                Arguments.of("IPv6 Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", null),
                Arguments.of("obs-fold in a plain field is joined (RFC 9112 §5.2)", "GET / HTTP/1.1\r\n" + H
                        + "X: a\r\n b\r\n\r\n", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void requestVerdicts(String name, String raw, @Nullable ErrorResponse expected) {
        assertThat(verdict(raw, ANY_HOST)).isEqualTo(expected);
    }

    @Test
    void absoluteFormForAServedHostIsRewrittenToOriginFormWithThatHost() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "HTTP://AI.example.com:8080/v2/x?y=1#frag");
        request.headers().set(HttpHeaderNames.HOST, "other.example");
        assertThat(MessageFraming.checkRequest(request, List.of("ai.example.com"))).isNull();
        assertThat(request.uri()).isEqualTo("/v2/x?y=1");
        assertThat(request.headers().getAll(HttpHeaderNames.HOST)).containsExactly("AI.example.com:8080");
    }

    @Test
    void absoluteFormWithoutPathBecomesRoot() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://a.example?q");
        assertThat(MessageFraming.checkRequest(request, List.of("a.example"))).isNull();
        assertThat(request.uri()).isEqualTo("/?q");
    }

    @Test
    void hostsListGovernsAbsoluteFormOnlyNotTheHostHeader() {
        List<String> hosts = List.of("ai.example.com", "::1");
        assertThat(verdict("GET http://ai.example.com:8443/ HTTP/1.1\r\nHost: t\r\n\r\n", hosts)).isNull();
        assertThat(verdict("GET http://[::1]/ HTTP/1.1\r\nHost: t\r\n\r\n", hosts)).isNull();
        assertThat(verdict("GET http://evil.example/ HTTP/1.1\r\nHost: ai.example.com\r\n\r\n", hosts))
                .isEqualTo(ErrorResponse.HOST_NOT_ALLOWED);
        assertThat(verdict("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", hosts)).isNull();
        assertThat(verdict("GET http://user@ai.example.com/ HTTP/1.1\r\nHost: ai.example.com\r\n\r\n", hosts))
                .as("userinfo in the target").isEqualTo(ErrorResponse.INVALID_REQUEST_LINE);
    }

    // ---- responses ---------------------------------------------------------------------------

    private static MessageFraming.@Nullable Problem responseProblem(String raw) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpResponseDecoder(
                ClientChannelInitializer.decoderConfig(8192, 65536)));
        try {
            channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
            Object msg = channel.readInbound();
            try {
                assertThat(msg).isInstanceOf(HttpResponse.class);
                HttpResponse response = (HttpResponse) msg;
                if (response.decoderResult().isFailure()) {
                    return new MessageFraming.Problem(ErrorResponse.UPSTREAM_PROTOCOL_ERROR, "decoder");
                }
                return MessageFraming.checkResponse(response);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    static Stream<Arguments> badResponses() {
        return Stream.of(
                Arguments.of("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("differing CLs", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
                Arguments.of("identical CLs", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("TE gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"),
                Arguments.of("NUL in value", "HTTP/1.1 200 OK\r\nX: a\u0000b\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("bare LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
                Arguments.of("status 2000", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"),
                Arguments.of("100 with a body", "HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("garbage", "FOO\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badResponses")
    void badResponsesAreUpstreamProtocolErrors(String name, String raw) {
        MessageFraming.Problem problem = responseProblem(raw);
        assertThat(problem).isNotNull();
        assertThat(problem.error()).isEqualTo(ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
    }

    @Test
    void aWellFormedResponsePasses() {
        assertThat(responseProblem("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok")).isNull();
        assertThat(responseProblem("HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\n\r\n")).isNull();
    }

    @Test
    void a204ThatAnnouncesABodyLosesTheAnnouncementAndItsConnection() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, "2");
        assertThat(MessageFraming.checkResponse(response)).isNull();
        assertThat(response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
        assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    }

    @Test
    void refusalLogLimiterLetsOneLineThroughPerInterval() {
        RefusalLog.Limiter limiter = new RefusalLog.Limiter();
        long interval = java.util.concurrent.TimeUnit.SECONDS.toNanos(RefusalLog.INTERVAL_SECONDS);
        assertThat(limiter.tryAcquire(1_000)).isZero();
        assertThat(limiter.tryAcquire(2_000)).isEqualTo(-1);
        assertThat(limiter.tryAcquire(3_000)).isEqualTo(-1);
        assertThat(limiter.tryAcquire(1_000 + interval)).as("two left out since the last line").isEqualTo(2);
    }
}
