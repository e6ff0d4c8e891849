package dev.meridian.router.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.ServerConfig;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.ForwardingHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request validation: a bad head is answered by this stage and never reaches the proxy stage. */
class RequestValidationHandlerTest {

    private final List<Object> passed = new ArrayList<>();
    private final List<ErrorResponse> refused = new ArrayList<>();
    private final ServerConfig server = ServerConfig.ofDefaults();
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        RequestValidationHandler validation = new RequestValidationHandler(() -> server, () -> 42L,
                (ctx, refusal, error, traceId, detail) -> {
                    assertThat(refusal.startNanos()).isEqualTo(42L);
                    refused.add(error);
                    ctx.close();
                });
        channel = new EmbeddedChannel(validation, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg);
            }
        });
    }

    @AfterEach
    void close() {
        passed.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    @Test
    void aValidRequestGoesOnWithItsIdsAndItsBodyAfterIt() {
        HttpRequest head = request("/v2/code/completions");
        head.headers().set(ForwardingHeaders.X_REQUEST_ID, "rid-7");
        LastHttpContent body = new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", US_ASCII));
        channel.writeInbound(head, body);

        assertThat(passed).hasSize(2);
        AdmittedRequest admitted = (AdmittedRequest) passed.get(0);
        assertThat(admitted.head()).isSameAs(head);
        assertThat(admitted.refusal().requestId()).isEqualTo("rid-7");
        assertThat(admitted.refusal().client()).as("the connection's client, for the proxy stage too")
                .isSameAs(ClientContext.of(channel));
        assertThat(admitted.traceId()).hasSize(32);
        assertThat(head.headers().get(ForwardingHeaders.TRACEPARENT)).as("a new trace is started").contains(admitted.traceId());
        assertThat(passed.get(1)).isSameAs(body);
        assertThat(refused).isEmpty();
    }

    @Test
    void aRequestWithNeitherIdGetsOneRandomIdAsRequestAndTraceId() {
        HttpRequest head = request("/");
        channel.writeInbound(head);
        AdmittedRequest admitted = (AdmittedRequest) passed.get(0);
        assertThat(admitted.refusal().requestId()).matches("[0-9a-f]{32}").isEqualTo(admitted.traceId());
        assertThat(ForwardingHeaders.isValidTraceparent(head.headers().get(ForwardingHeaders.TRACEPARENT))).isTrue();
    }

    @Test
    void aHeadThatDidNotDecodeIsAnsweredHere() {
        HttpRequest head = request("/");
        head.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException("too long")));
        channel.writeInbound(head);
        assertThat(refused).containsExactly(ErrorResponse.URI_TOO_LONG);
        assertThat(passed).isEmpty();
    }

    @Test
    void ambiguousFramingIsAnsweredAndTheRestOfTheConnectionIsDropped() {
        HttpRequest head = request("/");
        head.headers().add("Transfer-Encoding", "gzip, chunked");
        ByteBuf smuggled = Unpooled.copiedBuffer("GET /admin HTTP/1.1", US_ASCII);
        channel.writeInbound(head, new DefaultLastHttpContent(smuggled));
        assertThat(refused).containsExactly(ErrorResponse.AMBIGUOUS_FRAMING);
        assertThat(passed).as("neither the head nor what followed it reaches the proxy stage").isEmpty();
        assertThat(smuggled.refCnt()).isZero();
    }

    @Test
    void aDeclaredBodyOverTheLimitGets413() {
        HttpRequest head = request("/");
        head.headers().set("Content-Length", server.maxRequestBody() + 1);
        channel.writeInbound(head);
        assertThat(refused).containsExactly(ErrorResponse.BODY_TOO_LARGE);
        assertThat(passed).isEmpty();
    }

    @Test
    void anExpectationOtherThan100ContinueGets417() {
        HttpRequest head = request("/");
        head.headers().set("Expect", "something-else");
        channel.writeInbound(head);
        assertThat(refused).containsExactly(ErrorResponse.EXPECTATION_FAILED);
        assertThat(passed).isEmpty();
    }

    @Test
    void aRefusalDropsWhatTheClientPipelinedBehindIt() {
        PipeliningHandler pipelining = new PipeliningHandler(4);
        List<ErrorResponse> answered = new ArrayList<>();
        // The answer leaves the connection open: what is held must go with the refusal, not with the close.
        EmbeddedChannel pipelined = new EmbeddedChannel(pipelining,
                new RequestValidationHandler(() -> server, () -> 42L,
                        (ctx, refusal, error, traceId, detail) -> answered.add(error)),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add(msg);
                    }
                });
        HttpRequest bad = request("/");
        bad.headers().add("Transfer-Encoding", "gzip, chunked");
        ByteBuf heldBody = Unpooled.copiedBuffer("{}", US_ASCII);
        pipelined.writeInbound(bad, request("/next"), new DefaultLastHttpContent(heldBody));

        assertThat(answered).containsExactly(ErrorResponse.AMBIGUOUS_FRAMING);
        assertThat(passed).isEmpty();
        assertThat(heldBody.refCnt()).as("the pipelining stage let go of the request behind the refused one").isZero();
        pipelined.finishAndReleaseAll();
    }

    @Test
    void expect100ContinueIsAnsweredHereAndTheRequestGoesOn() {
        HttpRequest head = request("/");
        head.headers().set("Expect", "100-continue");
        head.headers().set("Content-Length", 2);
        channel.writeInbound(head);
        FullHttpResponse interim = channel.readOutbound();
        assertThat(interim.status()).isEqualTo(HttpResponseStatus.CONTINUE);
        interim.release();
        assertThat(passed).hasSize(1);
    }

    @Test
    void aWholeRequestInOneMessageGoesOnAsItsHeadThenItsBody() {
        ByteBuf content = Unpooled.copiedBuffer("{}", US_ASCII);
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/", content);
        full.headers().set("Host", "meridian.test");
        channel.writeInbound(full);
        assertThat(passed).hasSize(2);
        assertThat(((AdmittedRequest) passed.get(0)).head().uri()).isEqualTo("/");
        assertThat(passed.get(1)).isInstanceOf(LastHttpContent.class);
        assertThat(((HttpContent) passed.get(1)).content()).isSameAs(content);
    }

    private static HttpRequest request(String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        request.headers().set("Host", "meridian.test");
        return request;
    }
}
