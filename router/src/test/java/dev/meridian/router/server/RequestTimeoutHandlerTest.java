package dev.meridian.router.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.RouterPipeline;
import dev.meridian.router.metrics.ClientLimitMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The head and body deadlines, on an embedded channel whose clock the test moves. */
class RequestTimeoutHandlerTest {

    private static final Duration HEAD = Duration.ofSeconds(1);
    private static final Duration BODY = Duration.ofSeconds(2);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<ErrorResponse> errors = new ArrayList<>();
    private final Router router = new Router();
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        RequestTimeoutHandler timeouts = new RequestTimeoutHandler(HEAD, BODY, new ClientLimitMeters(registry), errors::add);
        channel = new EmbeddedChannel(new ChannelInitializer<EmbeddedChannel>() {
            @Override
            protected void initChannel(EmbeddedChannel ch) {
                // Registered but not active yet: the clock is frozen before the head clock starts.
                ch.freezeTime();
                ch.config().setAutoRead(false);
                ch.pipeline().addLast(RouterPipeline.REQUEST_TIMEOUT, timeouts);
                ch.pipeline().addLast(RouterPipeline.HTTP_CODEC, new HttpServerCodec());
                ch.pipeline().addLast(RouterPipeline.REQUEST_PROGRESS, timeouts.messageSide());
                ch.pipeline().addLast(RouterPipeline.PROXY, router);
            }
        });
    }

    @AfterEach
    void close() {
        router.received.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAResponse() {
        advance(999);
        assertThat(channel.isOpen()).isTrue();
        advance(2);
        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.<Object>readOutbound()).as("nothing is written to a client that sent nothing").isNull();
        assertThat(timeouts("head")).isEqualTo(1);
        assertThat(errors).isEmpty();
    }

    @Test
    void aHeadTrickledPastTheTimeoutGets408AndClose() {
        send("GET / HTTP/1.1\r\nHo");
        advance(600);
        send("st: t\r\nX-A: b");
        advance(401);
        assertThat(channel.isOpen()).isFalse();
        String response = outbound();
        assertThat(response).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close")
                .endsWith("{\"error\":\"request_timeout\",\"detail\":\"the client did not send the request in time\"}\n");
        assertThat(timeouts("head")).isEqualTo(1);
        assertThat(errors).containsExactly(ErrorResponse.REQUEST_TIMEOUT);
        assertThat(router.received).isEmpty();
    }

    @Test
    void theHeadClockStartsAgainAtTheFirstByte() {
        advance(900);
        send("GET / HTTP/1.1\r\n");
        advance(900);
        assertThat(channel.isOpen()).as("a whole head timeout from the first byte").isTrue();
        advance(101);
        assertThat(channel.isOpen()).isFalse();
        assertThat(outbound()).startsWith("HTTP/1.1 408 ");
    }

    @Test
    void aCompleteHeadStopsTheHeadClockAndTheBodyClockRunsOnlyWhileTheRouterReads() {
        send("POST /v2/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
        assertThat(router.received).hasSize(1).first().isInstanceOf(HttpRequest.class);
        advance(10_000);
        assertThat(channel.isOpen()).as("the router is not reading (a slow upstream): no clock runs").isTrue();

        router.read();
        advance(1_999);
        assertThat(channel.isOpen()).isTrue();
        advance(2);
        assertThat(channel.isOpen()).isFalse();
        assertThat(outbound()).startsWith("HTTP/1.1 408 ").contains("request_timeout");
        assertThat(timeouts("body")).isEqualTo(1);
        assertThat(timeouts("head")).isZero();
    }

    @Test
    void bodyBytesStopTheBodyClockUntilTheNextRead() {
        send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
        router.read();
        advance(1_500);
        send("abc");
        advance(5_000);
        assertThat(channel.isOpen()).as("no read outstanding").isTrue();
        router.read();
        advance(1_500);
        send("def");
        router.read();
        advance(1_500);
        assertThat(channel.isOpen()).isTrue();
        send("ghij");
        assertThat(router.received.get(router.received.size() - 1)).isInstanceOf(LastHttpContent.class);
        router.read();
        advance(30_000);
        assertThat(channel.isOpen()).as("the request is complete: between requests only the idle timeout applies").isTrue();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void aBodyTimeoutAfterTheResponseStartedClosesWithout408() {
        send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
        channel.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        String head = outbound();
        router.read();
        advance(2_001);
        assertThat(channel.isOpen()).isFalse();
        assertThat(head).startsWith("HTTP/1.1 200 OK");
        assertThat(channel.<Object>readOutbound()).as("no 408 after a response started").isNull();
        assertThat(timeouts("body")).isEqualTo(1);
    }

    @Test
    void anInterimResponseDoesNotCountAsTheResponse() {
        send("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertThat(outbound()).startsWith("HTTP/1.1 100 Continue");
        router.read();
        advance(2_001);
        assertThat(outbound()).startsWith("HTTP/1.1 408 ");
    }

    @Test
    void aNextHeadGetsItsOwnClockFromItsFirstByte() {
        send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        respondOk();
        router.read();
        advance(10_000);
        assertThat(channel.isOpen()).isTrue();
        send("G");
        advance(999);
        assertThat(channel.isOpen()).isTrue();
        advance(2);
        assertThat(channel.isOpen()).isFalse();
        assertThat(outbound()).startsWith("HTTP/1.1 408 ");
    }

    @Test
    void aLatePipelinedHeadWaitsForTheResponseOwedBeforeIt() {
        send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n");
        router.read();
        send("GET /2 HTTP/1.1\r\n");
        advance(1_001);
        assertThat(channel.isOpen()).as("a 408 now would land inside the first response").isTrue();
        respondOk();
        advance(1_001);
        assertThat(channel.isOpen()).isFalse();
        assertThat(outbound()).startsWith("HTTP/1.1 408 ");
        assertThat(timeouts("head")).isEqualTo(1);
    }

    private void respondOk() {
        DefaultFullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        channel.writeAndFlush(ok);
        assertThat(outbound()).startsWith("HTTP/1.1 200 OK");
    }

    private void send(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, ISO_8859_1));
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    private String outbound() {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private double timeouts(String phase) {
        return registry.get("meridian.client.timeouts").tag("phase", phase).counter().count();
    }

    /** Stands in for the proxy handler: keeps what it gets and reads when told to. */
    private static final class Router extends ChannelInboundHandlerAdapter {
        final List<Object> received = new ArrayList<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add(msg);
        }

        void read() {
            ctx.read();
        }
    }
}
