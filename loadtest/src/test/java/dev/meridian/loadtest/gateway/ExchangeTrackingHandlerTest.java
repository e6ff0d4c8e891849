package dev.meridian.loadtest.gateway;

import static dev.meridian.loadtest.gateway.EmbeddedHttp.last;
import static dev.meridian.loadtest.gateway.EmbeddedHttp.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

class ExchangeTrackingHandlerTest {

    private final GatewayCounters counters = new GatewayCounters();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ExchangeTrackingHandler(counters));

    @Test
    void countsRequestsBodyBytesAndCompletedResponses() {
        channel.writeInbound(request(HttpMethod.POST, "/v2/chat/agent"), EmbeddedHttp.content("ab"), last("cde"));
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        assertThat(counters.snapshot().responsesCompleted()).isZero();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);

        GatewayStats stats = counters.snapshot();
        assertThat(stats.requests()).isEqualTo(1);
        assertThat(stats.requestsTo("/v2/chat/agent")).isEqualTo(1);
        assertThat(stats.bytesReceived()).isEqualTo(5);
        assertThat(stats.responsesCompleted()).isEqualTo(1);
        channel.close();
        assertThat(counters.snapshot().cancelled()).as("closed between exchanges").isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void closeDuringAnExchangeIsACancellation() {
        channel.writeInbound(request(HttpMethod.GET, "/bytes/10"), LastHttpContent.EMPTY_LAST_CONTENT);
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));

        channel.close();

        assertThat(counters.snapshot().cancelled()).isEqualTo(1);
        channel.finishAndReleaseAll();
    }

    @Test
    void closeByTheServerIsNotACancellation() {
        channel.writeInbound(request(HttpMethod.GET, "/bytes/10"), LastHttpContent.EMPTY_LAST_CONTENT);

        ServerInitiatedClose.close(channel);

        assertThat(counters.snapshot().cancelled()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void informationalResponsesDoNotCompleteTheExchange() {
        channel.writeInbound(request(HttpMethod.POST, "/echo"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));

        assertThat(counters.snapshot().responsesCompleted()).isZero();
        channel.close();
        assertThat(counters.snapshot().cancelled()).isEqualTo(1);
        channel.finishAndReleaseAll();
    }

    @Test
    void aPipelinedRequestClosesTheConnectionAndIsReleased() {
        channel.writeInbound(request(HttpMethod.GET, "/monitoring/healthz"), LastHttpContent.EMPTY_LAST_CONTENT);
        HttpContent pipelinedBody = last("x");

        channel.writeInbound(request(HttpMethod.POST, "/echo"), pipelinedBody);

        assertThat(channel.isOpen()).isFalse();
        assertThat(pipelinedBody.refCnt()).isZero();
        assertThat(counters.snapshot().requests()).isEqualTo(1);
        assertThat(counters.snapshot().cancelled()).isZero();
        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        assertThat(channel.<Object>readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(channel.<Object>readInbound()).as("nothing of the pipelined request is forwarded").isNull();
        channel.finishAndReleaseAll();
    }
}
