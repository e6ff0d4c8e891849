package dev.meridian.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a response stream that breaks after its first byte ends with, by kind. */
class StreamEndingTest {

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            text/event-stream                | SSE
            Text/Event-Stream; charset=utf-8 | SSE
            application/x-ndjson             | NDJSON
            application/ndjson               | NDJSON
            application/jsonl                | NDJSON
            application/json                 | CLOSE
            text/plain                       | CLOSE
            -                                | CLOSE
            """)
    void theEndingOfAChunkedResponseFollowsTheContentType(String contentType, StreamEnding expected) {
        assertThat(StreamEnding.of(false, contentType, true)).isEqualTo(expected);
    }

    @Test
    void aGrpcCallEndsWithTrailersWhateverItsContentType() {
        assertThat(StreamEnding.of(true, "application/grpc", false)).isEqualTo(StreamEnding.GRPC);
        assertThat(StreamEnding.of(true, null, true)).isEqualTo(StreamEnding.GRPC);

        LastHttpContent last = StreamEnding.GRPC.lastPart(ErrorResponse.UPSTREAM_UNAVAILABLE, "us-east4", alloc);

        assertThat(last).isNotNull();
        assertThat(last.trailingHeaders().get(GrpcStatus.GRPC_STATUS)).isEqualTo("14");
        assertThat(last.trailingHeaders().get(GrpcStatus.GRPC_MESSAGE))
                .isEqualTo("meridian: upstream_broken: the stream from region us-east4 broke");
        assertThat(last.content().readableBytes()).as("trailers only").isZero();
    }

    @Test
    void anSseStreamEndsWithAnErrorEvent() {
        assertThat(text(StreamEnding.SSE.lastPart(ErrorResponse.UPSTREAM_TIMEOUT, "us-east4", alloc)))
                .isEqualTo("event: error\ndata: {\"error\":\"upstream_broken\",\"detail\":\"the stream from region "
                        + "us-east4 broke (upstream_timeout)\"}\n\n");
    }

    @Test
    void anNdjsonStreamEndsWithAnErrorLine() {
        assertThat(text(StreamEnding.NDJSON.lastPart(ErrorResponse.UPSTREAM_UNAVAILABLE, "europe-west2", alloc)))
                .isEqualTo("{\"error\":\"upstream_broken\",\"detail\":\"the stream from region europe-west2 broke "
                        + "(upstream_unavailable)\"}\n");
    }

    @Test
    void aStreamWithNoRoomForAnErrorPartIsCutByClosingTheConnection() {
        assertThat(StreamEnding.of(false, "text/event-stream", false))
                .as("not chunked: delimited by its length or by the close").isEqualTo(StreamEnding.CLOSE);
        assertThat(StreamEnding.of(false, "application/x-ndjson", false)).isEqualTo(StreamEnding.CLOSE);
        assertThat(StreamEnding.CLOSE.lastPart(ErrorResponse.UPSTREAM_UNAVAILABLE, "us-east4", alloc)).isNull();
    }

    private static String text(@Nullable LastHttpContent last) {
        assertThat(last).isNotNull();
        try {
            return last.content().toString(StandardCharsets.UTF_8);
        } finally {
            last.release();
        }
    }
}
