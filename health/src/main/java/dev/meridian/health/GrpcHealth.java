package dev.meridian.health;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The client half of the standard gRPC health protocol ({@code grpc.health.v1.Health/Check}),
 * encoded and decoded by hand: one unary call is too little to justify a gRPC and protobuf
 * runtime on the probe path.
 *
 * <pre>
 * message HealthCheckRequest  { string service = 1; }
 * message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 *                               ServingStatus status = 1; }
 * </pre>
 *
 * A message travels in a gRPC frame: a compressed flag byte (0), a 4-byte big-endian length,
 * then the protobuf bytes (gRPC over HTTP/2, "Length-Prefixed-Message"). The call's status is
 * {@code grpc-status} in the trailers, or in the headers of a trailers-only response.
 */
final class GrpcHealth {

    /** The request target of the health check. */
    static final String PATH = "/grpc.health.v1.Health/Check";
    static final String CONTENT_TYPE = "application/grpc";
    /** A health answer is 2 bytes; anything much bigger is not one. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private static final String[] STATUS_CODES = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
    private static final String[] SERVING_STATUSES = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
    private static final int SERVING = 1;
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_FIXED64 = 1;
    private static final int WIRE_LENGTH_DELIMITED = 2;
    private static final int WIRE_FIXED32 = 5;

    private GrpcHealth() {}

    /** The framed HealthCheckRequest for {@code service} ({@code ""}: the server as a whole, an empty message). */
    static byte[] request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream message = new ByteArrayOutputStream(name.length + 6);
        if (name.length > 0) { // proto3 leaves a default (empty) string out
            message.write(0x0A); // field 1, wire type 2 (length-delimited)
            writeVarint(message, name.length);
            message.writeBytes(name);
        }
        int length = message.size();
        ByteArrayOutputStream frame = new ByteArrayOutputStream(5 + length);
        frame.write(0); // not compressed
        frame.write(length >>> 24);
        frame.write(length >>> 16);
        frame.write(length >>> 8);
        frame.write(length);
        frame.writeBytes(message.toByteArray());
        return frame.toByteArray();
    }

    /** {@code grpc-timeout} for a deadline of {@code millis} (at most 8 digits, RFC: "TimeoutValue"). */
    static String timeout(long millis) {
        return millis <= 99_999_999 ? Math.max(1, millis) + "m" : Math.min(99_999_999, millis / 1000) + "S";
    }

    /**
     * Judges one response.
     *
     * @param httpStatus the response's HTTP status
     * @param headers the response headers
     * @param trailers the trailers; empty for a trailers-only response
     * @param body the response body's bytes
     * @return {@code null} when the endpoint is SERVING, else why not, for the health report
     */
    static @Nullable String problem(int httpStatus, HttpHeaders headers, HttpHeaders trailers, byte[] body) {
        String grpcStatus = trailers.get("grpc-status");
        String grpcMessage = trailers.get("grpc-message");
        if (grpcStatus == null) { // trailers-only: the status is in the headers
            grpcStatus = headers.get("grpc-status");
            grpcMessage = headers.get("grpc-message");
        }
        if (httpStatus != 200) {
            return "grpc health: HTTP " + httpStatus + (grpcStatus != null ? ", " + statusText(grpcStatus, grpcMessage) : "");
        }
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null || !contentType.regionMatches(true, 0, CONTENT_TYPE, 0, CONTENT_TYPE.length())) {
            return "grpc health: not a gRPC response (content-type " + (contentType == null ? "missing" : contentType) + ")";
        }
        if (grpcStatus == null) {
            return "grpc health: response without grpc-status";
        }
        if (!"0".equals(grpcStatus.trim())) {
            return statusText(grpcStatus, grpcMessage);
        }
        int serving;
        try {
            serving = servingStatus(body);
        } catch (IllegalArgumentException e) {
            return "grpc health: malformed response: " + e.getMessage();
        }
        if (serving == SERVING) {
            return null;
        }
        return "grpc health: " + (serving >= 0 && serving < SERVING_STATUSES.length
                ? SERVING_STATUSES[serving] : "status " + serving + " (not SERVING)");
    }

    /** {@code grpc-status 12 (UNIMPLEMENTED): message}. */
    private static String statusText(String grpcStatus, @Nullable String grpcMessage) {
        String code = grpcStatus.trim();
        String name;
        try {
            int value = Integer.parseInt(code);
            name = value >= 0 && value < STATUS_CODES.length ? STATUS_CODES[value] : "unknown code";
        } catch (NumberFormatException e) {
            name = "not a number";
        }
        StringBuilder text = new StringBuilder("grpc-status ").append(code).append(" (").append(name).append(')');
        if (grpcMessage != null && !grpcMessage.isEmpty()) {
            text.append(": ").append(decodeMessage(grpcMessage));
        }
        return text.toString();
    }

    /** {@code grpc-message} is percent-encoded UTF-8; a broken encoding is shown as sent. */
    private static String decodeMessage(String message) {
        try {
            // '+' is not a space in grpc-message; protect it from URLDecoder
            return URLDecoder.decode(message.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return message;
        }
    }

    /**
     * The {@code status} of the one HealthCheckResponse in {@code body}; 0 (UNKNOWN) when the
     * field is absent, as proto3 defines. Unknown fields are skipped.
     *
     * @throws IllegalArgumentException when the body is not one uncompressed framed message, or the message is not protobuf
     */
    static int servingStatus(byte[] body) {
        if (body.length == 0) {
            throw new IllegalArgumentException("no message");
        }
        if (body.length < 5) {
            throw new IllegalArgumentException("truncated message prefix (" + body.length + " bytes)");
        }
        if (body[0] != 0) {
            throw new IllegalArgumentException("compressed message (compressed flag " + body[0] + "), none was accepted");
        }
        long length = ((body[1] & 0xFFL) << 24) | ((body[2] & 0xFF) << 16) | ((body[3] & 0xFF) << 8) | (body[4] & 0xFF);
        if (length != body.length - 5) {
            throw new IllegalArgumentException("message length " + length + " but " + (body.length - 5)
                    + " bytes follow the prefix (expected exactly one message)");
        }
        int status = 0;
        int[] pos = {5};
        while (pos[0] < body.length) {
            long key = readVarint(body, pos);
            int field = (int) (key >>> 3);
            int wireType = (int) (key & 7);
            if (field == 0) {
                throw new IllegalArgumentException("field number 0");
            }
            switch (wireType) {
                case WIRE_VARINT -> {
                    long value = readVarint(body, pos);
                    if (field == 1) {
                        status = (int) value; // an enum is an int32; larger values wrap like protobuf's
                    }
                }
                case WIRE_FIXED64 -> skip(body, pos, 8);
                case WIRE_LENGTH_DELIMITED -> {
                    long n = readVarint(body, pos);
                    skip(body, pos, n);
                }
                case WIRE_FIXED32 -> skip(body, pos, 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wireType + " (field " + field + ")");
            }
        }
        return status;
    }

    private static long readVarint(byte[] bytes, int[] pos) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= bytes.length) {
                throw new IllegalArgumentException("truncated varint");
            }
            byte b = bytes[pos[0]++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static void skip(byte[] bytes, int[] pos, long n) {
        if (n < 0 || n > bytes.length - pos[0]) {
            throw new IllegalArgumentException("truncated field");
        }
        pos[0] += (int) n;
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = value;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }
}
