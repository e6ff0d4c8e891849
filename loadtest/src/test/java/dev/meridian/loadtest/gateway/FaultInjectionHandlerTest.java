package dev.meridian.loadtest.gateway;

import static dev.meridian.loadtest.gateway.EmbeddedHttp.last;
import static dev.meridian.loadtest.gateway.EmbeddedHttp.request;
import static dev.meridian.loadtest.gateway.EmbeddedHttp.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FaultInjectionHandlerTest {

    @Test
    void passHoldsTheRequestEndForTheSimulatedDelay() {
        GatewayState state = state(Fault.slow(Duration.ofMillis(50)), LatencyModel.fixed(Duration.ofMillis(100)));
        EmbeddedChannel channel = new EmbeddedChannel(new FaultInjectionHandler(state));
        channel.freezeTime();
        HttpRequest request = request(HttpMethod.POST, "/v2/code/completions", SimHeaders.DELAY, "25ms");

        channel.writeInbound(request, EmbeddedHttp.content("{"), last("}"));

        assertThat(channel.<Object>readInbound()).isSameAs(request);
        HttpContent chunk = channel.readInbound();
        assertThat(chunk).as("body chunks pass at once").isNotNull();
        chunk.release();
        assertThat(channel.<Object>readInbound()).as("the end is held").isNull();
        channel.advanceTimeBy(174, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.<Object>readInbound()).isNull();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        LastHttpContent end = channel.readInbound();
        assertThat(end).as("released after 100 + 50 + 25 ms").isNotNull();
        end.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void hangDropsAndReleasesEverything() {
        EmbeddedChannel channel = new EmbeddedChannel(new FaultInjectionHandler(state(Fault.hang(), LatencyModel.none())));
        LastHttpContent end = last("{}");

        channel.writeInbound(request(HttpMethod.GET, "/monitoring/healthz"), end);

        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(channel.<Object>readOutbound()).isNull();
        assertThat(end.refCnt()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void errorsAnswerAfterTheBodyWithRetryAfter() {
        GatewayState state = state(Fault.tooManyRequests(Duration.ofMillis(2500)), LatencyModel.none());
        EmbeddedChannel channel = new EmbeddedChannel(new FaultInjectionHandler(state));
        LastHttpContent end = last("{}");

        channel.writeInbound(request(HttpMethod.POST, "/v2/chat/agent"));
        assertThat(channel.<Object>readOutbound()).as("no answer before the request is complete").isNull();
        channel.writeInbound(end);

        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status().code()).isEqualTo(429);
        assertThat(response.headers().get("retry-after")).isEqualTo("3");
        assertThat(EmbeddedHttp.body(response)).contains("rate limit exceeded");
        assertThat(end.refCnt()).isZero();
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void healthzIgnoresErrorsAndLatencyButReadyReportsErrors() {
        GatewayState state = state(Fault.errors(500, 1.0), LatencyModel.fixed(Duration.ofSeconds(1)));
        EmbeddedChannel channel = new EmbeddedChannel(new FaultInjectionHandler(state));

        channel.writeInbound(request(HttpMethod.GET, "/monitoring/healthz"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        assertThat(channel.<Object>readInbound()).as("not delayed").isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);

        channel.writeInbound(request(HttpMethod.GET, "/monitoring/ready"), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        FullHttpResponse ready = channel.readOutbound();
        assertThat(ready.status().code()).isEqualTo(503);
        ready.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aHeldEndIsReleasedWhenTheConnectionCloses() {
        EmbeddedChannel channel = new EmbeddedChannel(
                new FaultInjectionHandler(state(Fault.none(), LatencyModel.fixed(Duration.ofSeconds(5)))));
        LastHttpContent end = last("{}");

        channel.writeInbound(request(HttpMethod.POST, "/v2/completions"), end);
        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        channel.close();

        assertThat(end.refCnt()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
