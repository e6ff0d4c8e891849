package dev.meridian.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JSON bodies Meridian answers with itself: the default detail, and one of the caller's. */
class ErrorResponseTest {

    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

    @Test
    void aDetailIsEscapedAndEachBodyStandsAlone() {
        // Two in a row on one thread share its writer: the second must not carry the first.
        assertThat(body(ErrorResponse.NO_UPSTREAM.toResponse(ALLOC, "region \"a\" is\tdown")))
                .isEqualTo("{\"error\":\"no_upstream\",\"detail\":\"region \\\"a\\\" is\\tdown\"}\n");
        assertThat(body(ErrorResponse.UPSTREAM_TIMEOUT.toResponse(ALLOC, "late")))
                .isEqualTo("{\"error\":\"upstream_timeout\",\"detail\":\"late\"}\n");
    }

    @Test
    void theDefaultDetailAndTheLengthHeader() {
        FullHttpResponse response = ErrorResponse.NO_UPSTREAM.toResponse(ALLOC);
        String body = body(response);
        assertThat(body).isEqualTo("{\"error\":\"no_upstream\",\"detail\":\"no region can take the request\"}\n");
        assertThat(response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH))
                .isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String body(FullHttpResponse response) {
        try {
            return response.content().toString(StandardCharsets.UTF_8);
        } finally {
            response.release();
        }
    }
}
