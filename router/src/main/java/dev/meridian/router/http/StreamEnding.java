package dev.meridian.router.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * How a response that already started ends when its upstream breaks (DESIGN.md, "Failure
 * handling": after the first byte, no silent retry): a stream Meridian can frame itself ends
 * cleanly with a last part that says so, anything else is cut by closing the client connection so
 * the client sees it was not a clean end. Chosen once, from the response head.
 */
public enum StreamEnding {
    /** Server-sent events: a final {@code event: error} with a JSON {@code data} line. */
    SSE,
    /** NDJSON (and JSON Lines): a final JSON error line. */
    NDJSON,
    /** A gRPC call: trailers with {@code grpc-status} UNAVAILABLE. */
    GRPC,
    /** Anything else: the connection closes, which is how a client tells a response was cut short. */
    CLOSE;

    /**
     * The ending for a response with {@code contentType} to a call that is gRPC or not. An SSE or
     * NDJSON error part can only be framed in a chunked response: one delimited by its length or by
     * the connection's close has no room for one more part, so it ends by closing.
     */
    public static StreamEnding of(boolean grpc, @Nullable String contentType, boolean clientChunked) {
        if (grpc) {
            return GRPC;
        }
        if (contentType == null || !clientChunked) {
            return CLOSE;
        }
        // Compared in place, ignoring case: called for every chunked response, it makes no lower-cased copy.
        if (startsIgnoringCase(contentType, "text/event-stream")) {
            return SSE;
        }
        if (startsIgnoringCase(contentType, "application/x-ndjson")
                || startsIgnoringCase(contentType, "application/ndjson")
                || startsIgnoringCase(contentType, "application/jsonl")) {
            return NDJSON;
        }
        return CLOSE;
    }

    private static boolean startsIgnoringCase(String value, String prefix) {
        return value.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /**
     * The last part that ends the client's stream after {@code error} broke the upstream of
     * {@code region}, or {@code null} when the connection is to be closed instead.
     */
    public @Nullable LastHttpContent lastPart(ErrorResponse error, String region, ByteBufAllocator alloc) {
        return switch (this) {
            case GRPC -> GrpcStatus.brokenStreamTrailers(region);
            case SSE, NDJSON -> {
                String json = "{\"error\":\"upstream_broken\",\"detail\":\"the stream from region " + region
                        + " broke (" + error.error() + ")\"}";
                String text = this == SSE ? "event: error\ndata: " + json + "\n\n" : json + "\n";
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                yield new DefaultLastHttpContent(alloc.buffer(bytes.length).writeBytes(bytes));
            }
            case CLOSE -> null;
        };
    }
}
