package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MalformedRequestHandlerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET /%s HTTP/1.1\\r\\n\\r\\n|414",
        "GET / HTTP/1.1\\r\\nx-big: %s\\r\\n\\r\\n|431",
        "GET / HTTP/1.1\\r\\ncontent-length: 1\\r\\ncontent-length: 2\\r\\n\\r\\n|400",
    })
    void answersUndecodableRequestsAndCloses(String template, int status) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(), MalformedRequestHandler.INSTANCE);
        String raw = template.replace("\\r\\n", "\r\n").replace("%s", "a".repeat(20_000));

        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));

        FullHttpResponse response = channel.readOutbound();
        assertThat(response.status().code()).isEqualTo(status);
        assertThat(response.headers().get("connection")).isEqualTo("close");
        response.release();
        assertThat(channel.isOpen()).isFalse();
        assertThat(ServerInitiatedClose.isMarked(channel)).isTrue();
        assertThat(channel.<Object>readInbound()).isNull();
        channel.finishAndReleaseAll();
    }
}
