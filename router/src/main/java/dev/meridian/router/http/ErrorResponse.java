package dev.meridian.router.http;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The responses Meridian itself gives a client, each with a JSON body
 * {@code {"error": "...", "detail": "..."}} like the admin API's. Details never name an internal
 * address: clients learn which region failed, not where it lives.
 */
public enum ErrorResponse {
    /** A request that is not HTTP/1.x at all, or malformed in a way no more precise code names (RFC 9112 §2.2). */
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "bad_request", "the request is not valid HTTP/1.1"),
    /**
     * The body's length cannot be told for sure: Content-Length with Transfer-Encoding, several or
     * invalid Content-Length values, a Transfer-Encoding other than exactly {@code chunked}, or
     * Transfer-Encoding on HTTP/1.0 (RFC 9112 §6.1–6.3). The request smuggling vector.
     */
    AMBIGUOUS_FRAMING(HttpResponseStatus.BAD_REQUEST, "ambiguous_framing",
            "the request body's length is ambiguous (Content-Length and Transfer-Encoding)"),
    /** A bad method, request target or version (RFC 9112 §3, §3.2, §2.3). */
    INVALID_REQUEST_LINE(HttpResponseStatus.BAD_REQUEST, "invalid_request_line", "the request line is not valid"),
    /**
     * A header field that is not well formed: a name that is not a token or has whitespace before
     * the colon, a control character or bare CR in a value, a line not ended by CRLF, or none or
     * several Host fields (RFC 9112 §2.2, §3.2, §5; RFC 9110 §5.5).
     */
    INVALID_HEADER(HttpResponseStatus.BAD_REQUEST, "invalid_header", "a request header is not valid"),
    /** A malformed chunk size, chunk extension, chunk terminator or trailer (RFC 9112 §7.1). */
    INVALID_CHUNK(HttpResponseStatus.BAD_REQUEST, "invalid_chunk", "the chunked request body is not valid"),
    /** An absolute-form target naming a host that is not in server.hosts (RFC 9112 §3.2.2). */
    HOST_NOT_ALLOWED(HttpResponseStatus.BAD_REQUEST, "host_not_allowed",
            "absolute-form requests are only accepted for the hosts this server serves"),
    /** Request line longer than server.max-initial-line-length (RFC 9112 §3). */
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long",
            "the request line is longer than the configured limit"),
    /** Header block larger than server.max-header-size (RFC 6585 §5). */
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
            "the request headers are larger than the configured limit"),
    /** Body larger than server.max-request-body (RFC 9110 §15.5.14). */
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
            "the request body is larger than the configured limit"),
    /** Expect with anything but 100-continue (RFC 9110 §10.1.1). */
    EXPECTATION_FAILED(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
            "only Expect: 100-continue is supported"),
    /** The upstream refused, reset or closed the connection before answering. */
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "upstream_unavailable",
            "the upstream region did not answer"),
    /** The upstream sent something that is not a valid HTTP response. */
    UPSTREAM_PROTOCOL_ERROR(HttpResponseStatus.BAD_GATEWAY, "upstream_protocol_error",
            "the upstream region sent an invalid response"),
    /** Connect or first-byte or total timeout before any response byte. */
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout",
            "the upstream region did not answer in time"),
    /** No region has any endpoint to send the request to. */
    NO_UPSTREAM(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_upstream", "no region can take the request"),
    /** Every connection to the endpoint is busy and too many requests already wait for one. */
    UPSTREAM_OVERLOADED(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_overloaded",
            "too many requests are waiting for an upstream connection"),
    /** The client did not send its request head, or the next part of its body, in time (RFC 9110 §15.5.9). */
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
            "the client did not send the request in time");

    private final HttpResponseStatus status;
    private final byte[] defaultBody;
    private final String error;

    ErrorResponse(HttpResponseStatus status, String error, String detail) {
        this.status = status;
        this.error = error;
        this.defaultBody = json(error, detail);
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The short machine-readable code in the {@code error} field. */
    public String error() {
        return error;
    }

    /** The response with the default detail. */
    public FullHttpResponse toResponse(ByteBufAllocator alloc) {
        return build(alloc, defaultBody);
    }

    /** The response with {@code detail} instead of the default one; detail must hold no internal address. */
    public FullHttpResponse toResponse(ByteBufAllocator alloc, String detail) {
        JsonLineWriter line = LoopWriter.LINE.get();
        line.reset();
        try {
            line.begin().string("error", error).string("detail", detail).end();
        } catch (RuntimeException e) {
            LoopWriter.LINE.remove(); // a half-written object: the next one starts with a new writer
            throw e;
        }
        ByteBuf content = alloc.buffer(line.size());
        line.copyTo(content::writeBytes); // straight into the buffer, no byte[] in between
        return build(content);
    }

    private FullHttpResponse build(ByteBufAllocator alloc, byte[] body) {
        return build(alloc.buffer(body.length).writeBytes(body));
    }

    private FullHttpResponse build(ByteBuf content) {
        FullHttpResponse response = ownResponse(status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    /** Headers and trailers of Meridian's own making, unvalidated (see {@link #ownResponse}). */
    static final HttpHeadersFactory OWN_HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    static final HttpHeadersFactory OWN_TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    /**
     * A response of Meridian's own making whose headers and trailers skip Netty's name and value
     * checks: Meridian writes them itself (constants, numbers, ids it made or took from a request
     * head the client decoder already validated), so checking them again costs time and finds
     * nothing. What peers send is still validated, by the decoders.
     */
    public static FullHttpResponse ownResponse(HttpResponseStatus status, ByteBuf content) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content, OWN_HEADERS, OWN_TRAILERS);
    }

    /**
     * One writer per thread for the bodies with their own detail: those are answered on the event
     * loops, every request of an outage (a holder class, as enum constants are built before the
     * enum's own static fields).
     */
    private static final class LoopWriter {
        static final FastThreadLocal<JsonLineWriter> LINE = new FastThreadLocal<>() {
            @Override
            protected JsonLineWriter initialValue() {
                return new JsonLineWriter();
            }
        };
    }

    /** The default body, built once per constant. */
    private static byte[] json(String error, String detail) {
        JsonLineWriter line = new JsonLineWriter();
        line.begin().string("error", error).string("detail", detail).end();
        return line.toByteArray();
    }
}
