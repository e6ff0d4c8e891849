package dev.meridian.router.http;

import dev.meridian.config.RouteConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * gRPC's view of a proxied call: which requests are gRPC, the {@code grpc-status} a call ended
 * with (a bounded metric label), and the status Meridian answers with when it cannot reach a
 * region (gRPC clients read {@code grpc-status}, not the HTTP status: an HTTP 502 would surface as
 * an opaque transport error).
 */
public final class GrpcStatus {

    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    /** The codes of the gRPC spec (statuscodes.md), 0..16, then anything else. */
    public static final String[] LABELS = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED", "OTHER"
    };

    static final int UNKNOWN = 2;
    static final int DEADLINE_EXCEEDED = 4;
    static final int RESOURCE_EXHAUSTED = 8;
    static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    /** The label index for a missing or unparseable status. */
    static final int OTHER = LABELS.length - 1;

    private GrpcStatus() {}

    /** Whether {@code request} is a gRPC call on a route that carries gRPC. */
    public static boolean isGrpc(RouteConfig route, HttpRequest request) {
        if (!route.grpc()) {
            return false;
        }
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
                && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
    }

    /** The label index of the {@code grpc-status} in {@code headers}, or -1 when there is none. */
    static int index(@Nullable HttpHeaders headers) {
        if (headers == null) {
            return -1;
        }
        String value = headers.get(GRPC_STATUS);
        if (value == null) {
            return -1;
        }
        try {
            int code = Integer.parseInt(value.trim());
            return code >= 0 && code < OTHER ? code : OTHER;
        } catch (NumberFormatException e) {
            return OTHER;
        }
    }

    /**
     * The label index of the {@code grpc-status} a call ended with: in the trailers, else in the
     * headers of a trailers-only response (one whole message), else {@link #OTHER}.
     */
    public static int endedWith(LastHttpContent last) {
        int code = index(last.trailingHeaders());
        if (code < 0 && last instanceof HttpResponse) {
            code = index(((HttpResponse) last).headers());
        }
        return code < 0 ? OTHER : code;
    }

    /** The status Meridian answers a gRPC call with instead of {@code error}'s HTTP status. */
    public static int forError(ErrorResponse error) {
        int http = error.status().code();
        if (http == 504 || http == 408) {
            return DEADLINE_EXCEEDED;
        }
        if (http == 413 || http == 414 || http == 431) {
            return RESOURCE_EXHAUSTED;
        }
        if (http == 502 || http == 503 || http == 429) {
            return UNAVAILABLE;
        }
        if (http >= 400 && http < 500) {
            return INTERNAL;
        }
        return UNKNOWN;
    }

    /**
     * Meridian's own answer to a gRPC call it could not get answered: a trailers-only response
     * (HTTP 200, one HEADERS frame) with the {@code grpc-status} for {@code error}.
     */
    public static FullHttpResponse response(ErrorResponse error, @Nullable String detail) {
        FullHttpResponse response = ErrorResponse.ownResponse(HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0) // framed for an HTTP/1.1 client too
                .set(GRPC_STATUS, Integer.toString(forError(error)))
                .set(GRPC_MESSAGE, encodeMessage("meridian: " + error.error() + (detail == null ? "" : ": " + detail)));
        return response;
    }

    /** Trailers that end a call whose region broke after its response started. */
    static LastHttpContent brokenStreamTrailers(String region) {
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, ErrorResponse.OWN_TRAILERS);
        last.trailingHeaders()
                .set(GRPC_STATUS, Integer.toString(UNAVAILABLE))
                .set(GRPC_MESSAGE, encodeMessage("meridian: upstream_broken: the stream from region " + region + " broke"));
        return last;
    }

    /**
     * A {@code grpc-message} value: UTF-8, with every byte outside the printable ASCII range, and
     * {@code %} itself, written as {@code %XX} (the gRPC HTTP/2 protocol spec). The simulated
     * gateway encodes its messages with it too.
     */
    public static String encodeMessage(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
