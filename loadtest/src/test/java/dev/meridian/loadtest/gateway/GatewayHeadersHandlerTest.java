package dev.meridian.loadtest.gateway;

import static dev.meridian.loadtest.gateway.EmbeddedHttp.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

class GatewayHeadersHandlerTest {

    @Test
    void stampsTheNameAndEchoesTheRequestIdOfTheCurrentRequest() {
        EmbeddedChannel channel = new EmbeddedChannel(new GatewayHeadersHandler(AsciiString.of("eu-west-1")));

        channel.writeInbound(request(HttpMethod.GET, "/", "X-Request-ID", "abc"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeInbound(request(HttpMethod.GET, "/"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));

        HttpResponse first = channel.readOutbound();
        HttpResponse second = channel.readOutbound();
        assertThat(first.headers().get("x-sim-gateway")).isEqualTo("eu-west-1");
        assertThat(first.headers().get("x-request-id")).isEqualTo("abc");
        assertThat(second.headers().get("x-sim-gateway")).isEqualTo("eu-west-1");
        assertThat(second.headers().contains("x-request-id")).as("not carried over to the next request").isFalse();
        channel.readInbound();
        channel.readInbound();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
