package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One admin API answer, independent of the HTTP server that sends it, so that the endpoints can
 * be written (and read) as plain functions from a request to a reply.
 *
 * @param status the HTTP status
 * @param contentType the {@code Content-Type}
 * @param body the complete body (admin answers are small and never streamed)
 * @param headers extra response headers ({@code ETag}, {@code Allow}, {@code WWW-Authenticate})
 */
record AdminReply(int status, String contentType, byte[] body, Map<String, String> headers) {

    static final String JSON = "application/json";

    /** Indented: people read these answers in a terminal more often than programs do. */
    private static final ObjectMapper WRITER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    AdminReply {
        requireNonNull(contentType, "contentType");
        requireNonNull(body, "body");
        headers = Map.copyOf(requireNonNull(headers, "headers"));
    }

    static AdminReply json(int status, JsonNode body) {
        try {
            byte[] bytes = (WRITER.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
            return new AdminReply(status, JSON, bytes, Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    static AdminReply text(int status, String contentType, String body) {
        return new AdminReply(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A copy with one more header. */
    AdminReply withHeader(String name, String value) {
        Map<String, String> next = new LinkedHashMap<>(headers);
        next.put(name, value);
        return new AdminReply(status, contentType, body, next);
    }

    /** A copy with {@code ETag: "revision"}: what {@code If-Match} sends back. */
    AdminReply withRevision(long revision) {
        return withHeader("ETag", "\"" + revision + "\"");
    }
}
