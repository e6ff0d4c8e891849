package dev.meridian.loadtest.gateway;

import static dev.meridian.loadtest.gateway.EmbeddedHttp.last;
import static dev.meridian.loadtest.gateway.EmbeddedHttp.request;
import static dev.meridian.loadtest.gateway.EmbeddedHttp.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EndpointHandlerTest {

    private final GatewayState state = state(Fault.none(), LatencyModel.none());
    private final EmbeddedChannel channel = new EmbeddedChannel(new EndpointHandler(state));

    @Test
    void echoDigestsTheBodyAsItArrivesAndReleasesIt() {
        HttpContent part = EmbeddedHttp.content("hello ");
        LastHttpContent end = last("world");

        channel.writeInbound(request(HttpMethod.PUT, "/echo", "X-Thing", "1"), part, end);

        FullHttpResponse response = channel.readOutbound();
        assertThat(part.refCnt()).isZero();
        assertThat(end.refCnt()).isZero();
        assertThat(JsonText.parseObject(EmbeddedHttp.body(response)))
                .containsEntry("method", "PUT")
                .containsEntry("bodyBytes", BigDecimal.valueOf(11))
                .containsEntry("bodySha256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void declaredOversizedBodyIsRejectedAtOnceAndTheRestIsDiscarded() {
        LastHttpContent end = last("{}");

        channel.writeInbound(request(HttpMethod.POST, "/v2/code/completions", "content-length", "2000000"));
        FullHttpResponse response = channel.readOutbound();
        channel.writeInbound(end);

        assertThat(response.status().code()).isEqualTo(413);
        response.release();
        assertThat(channel.<Object>readOutbound()).as("no second answer at the end of the request").isNull();
        assertThat(end.refCnt()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void completionBodyUsesTheInjectedClock() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/completions"), LastHttpContent.EMPTY_LAST_CONTENT);

        FullHttpResponse response = channel.readOutbound();
        assertThat(response.headers().getInt("content-length")).isEqualTo(response.content().readableBytes());
        assertThat(JsonText.parseObject(EmbeddedHttp.body(response)))
                .containsEntry("created", BigDecimal.valueOf(EmbeddedHttp.CLOCK.millis() / 1000));
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void sseStreamIsPacedByTheLoopTimerAndParksWhileHeld() {
        channel.freezeTime();
        state.hold().hold(true);

        channel.writeInbound(request(HttpMethod.POST, "/v4/code/suggestions",
                SimHeaders.CHUNKS, "2", SimHeaders.CHUNK_INTERVAL, "10ms"), LastHttpContent.EMPTY_LAST_CONTENT);

        assertThat(channel.<HttpResponse>readOutbound().headers().get("content-type")).startsWith("text/event-stream");
        assertThat(text(channel.readOutbound())).startsWith("event: stream_start\n");
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Object>readOutbound()).as("held after the first event").isNull();

        state.hold().hold(false);
        channel.runPendingTasks();
        channel.advanceTimeBy(9, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Object>readOutbound()).as("one interval after the release").isNull();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(text(channel.readOutbound())).startsWith("event: content_chunk\n");
        channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(text(channel.readOutbound())).startsWith("event: content_chunk\n");
        channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        Object end = channel.readOutbound();
        assertThat(end).isInstanceOf(LastHttpContent.class);
        assertThat(text(end)).startsWith("event: stream_end\n");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void bytesAreSlicesOfThePatternEndingWithLastContent() {
        channel.writeInbound(request(HttpMethod.GET, "/bytes/40000"), LastHttpContent.EMPTY_LAST_CONTENT);

        HttpResponse head = channel.readOutbound();
        assertThat(head.headers().getInt("content-length")).isEqualTo(40_000);
        long offset = 0;
        Object message;
        while ((message = channel.readOutbound()) != null) {
            ByteBuf chunk = ((HttpContent) message).content();
            for (int i = 0; i < chunk.readableBytes(); i++) {
                assertThat(chunk.getByte(chunk.readerIndex() + i)).isEqualTo(PatternBytesStream.patternByte(offset + i));
            }
            offset += chunk.readableBytes();
            ((HttpContent) message).release();
            if (message instanceof LastHttpContent) {
                break;
            }
        }
        assertThat(offset).isEqualTo(40_000);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void resetMidStreamClosesTheConnectionAfterTheChunks() {
        state.fault(Fault.resetMidStream(1));

        channel.writeInbound(request(HttpMethod.GET, "/bytes/40000"), LastHttpContent.EMPTY_LAST_CONTENT);

        assertThat(channel.<Object>readOutbound()).isInstanceOf(HttpResponse.class);
        HttpContent only = channel.readOutbound();
        assertThat(only.content().readableBytes()).isEqualTo(PatternBytesStream.CHUNK_SIZE);
        only.release();
        assertThat(channel.isOpen()).isFalse();
        assertThat(ServerInitiatedClose.isMarked(channel)).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        channel.writeInbound(request(HttpMethod.GET, "/v3/unknown"), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeInbound(request(HttpMethod.DELETE, "/v2/chat/agent"), LastHttpContent.EMPTY_LAST_CONTENT);

        FullHttpResponse notFound = channel.readOutbound();
        FullHttpResponse notAllowed = channel.readOutbound();
        assertThat(notFound.status().code()).isEqualTo(404);
        assertThat(notAllowed.status().code()).isEqualTo(405);
        assertThat(notAllowed.headers().get("allow")).isEqualTo("POST");
        notFound.release();
        notAllowed.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static String text(Object message) {
        HttpContent content = (HttpContent) message;
        try {
            return content.content().toString(StandardCharsets.UTF_8);
        } finally {
            content.release();
        }
    }
}
