package dev.meridian.router.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Header rewriting between a client and an upstream, in place on the decoded message.
 *
 * <p>Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are never forwarded: the
 * fixed list plus every header named in {@code Connection}. Body framing is then re-established
 * for the next hop: a body that arrived chunked leaves chunked; one with a Content-Length keeps it.
 */
public final class ForwardingHeaders {

    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString X_MERIDIAN_REGION = AsciiString.cached("x-meridian-region");
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");

    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    // HttpHeaderNames.KEEP_ALIVE is deprecated (it is not a standard header), but clients still send it.
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString[] HTTP2_EXTENSION_HEADERS = {
        HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
        HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
        HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
        HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
        HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
        HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text(),
    };

    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION,
        KEEP_ALIVE,
        PROXY_CONNECTION,
        HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
    };

    private static final int MAX_REQUEST_ID_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ForwardingHeaders() {}

    /**
     * Prepares a client's request for the upstream: hop-by-hop headers removed, framing kept,
     * {@code X-Forwarded-For} appended with the client's address, {@code X-Forwarded-Proto} and
     * {@code X-Forwarded-Host} set, and {@code X-Request-ID} set to {@code requestId}.
     *
     * @param clientAddress the client's address as {@link #addressText} writes it (worked out once
     *     per connection by {@link ClientContext})
     */
    public static void prepareRequest(HttpRequest request, String clientAddress, String scheme, String requestId) {
        HttpHeaders headers = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        // "TE: trailers" says the client takes trailers; gRPC needs it to reach the server (RFC 9113 §8.2.2).
        boolean trailers = HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(headers.get(HttpHeaderNames.TE));
        removeHopByHop(headers);
        if (trailers) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        // Netty's HTTP/2-to-HTTP/1 conversion notes the stream and scheme in x-http2-* headers; they
        // describe the client's connection, and a client must not be able to set them either.
        for (AsciiString name : HTTP2_EXTENSION_HEADERS) {
            headers.remove(name);
        }
        headers.remove(HttpHeaderNames.EXPECT);
        if (chunked) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        String prior = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? clientAddress : prior + ", " + clientAddress);
        headers.set(X_FORWARDED_PROTO, scheme);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        headers.set(X_REQUEST_ID, requestId);
    }

    /**
     * Prepares an upstream's response for the client: hop-by-hop headers removed, framing chosen
     * for the client ({@code chunked} for HTTP/1.1 when the length is unknown), and Meridian's
     * headers added.
     *
     * @param region the region to name in {@code X-Meridian-Region}, or {@code null} to leave it out
     * @param keepAlive whether the client connection stays open after this response
     * @param clientSupportsChunked whether the client spoke HTTP/1.1
     * @return whether the response can be delimited without closing the connection
     */
    public static boolean prepareResponse(
            HttpResponse response,
            String requestId,
            String region,
            boolean addRegion,
            boolean keepAlive,
            boolean clientSupportsChunked) {
        HttpHeaders headers = response.headers();
        removeHopByHop(headers);
        // Only a response converted from an HTTP/2 region has them, always with the stream id.
        if (headers.contains(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text())) {
            for (AsciiString name : HTTP2_EXTENSION_HEADERS) {
                headers.remove(name);
            }
        }
        boolean delimited = true;
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(response)) {
            if (clientSupportsChunked) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                delimited = false;
            }
        }
        if (addRegion) {
            headers.set(X_MERIDIAN_REGION, region);
        }
        headers.set(X_REQUEST_ID, requestId);
        if (!keepAlive || !delimited) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return delimited;
    }

    /** Removes the hop-by-hop headers, including every header the {@code Connection} header names. */
    public static void removeHopByHop(HttpHeaders headers) {
        // Most messages carry no Connection header: ask before building any list.
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> named = new ArrayList<>(4);
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : value.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty()) {
                        named.add(name);
                    }
                }
            }
            for (String name : named) {
                // A Connection header must not name the message's framing or Host (RFC 9110 §7.6.1);
                // obeying one that does would send the body upstream without its framing.
                if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * The client's {@code X-Request-ID} when it is a sane token (1–128 visible ASCII characters),
     * otherwise a new random 128-bit id in hex.
     */
    public static String requestId(HttpHeaders headers) {
        String given = headers.get(X_REQUEST_ID);
        if (given != null && isSaneId(given)) {
            return given;
        }
        return newRequestId();
    }

    /**
     * Keeps the client's W3C {@code traceparent} when it is valid (Trace Context §3.2: version
     * {@code 00}, or a later version whose first four fields parse; trace and parent id not all
     * zeros) and otherwise starts a new trace: a new {@code traceparent} with random ids and flags
     * {@code 00} (Meridian records no spans, so it asks nobody to sample), and no
     * {@code tracestate}, which belongs to the trace that was dropped. Header names are
     * case-insensitive; two {@code traceparent} headers are invalid.
     *
     * @return the trace id (32 lower-case hex digits) the request carries upstream
     */
    public static String traceId(HttpHeaders headers) {
        Iterator<String> given = headers.valueStringIterator(TRACEPARENT);
        if (given.hasNext()) {
            String value = given.next();
            if (!given.hasNext() && isValidTraceparent(value)) {
                return value.substring(3, 35);
            }
        }
        String traceId = newRequestId();
        String parentId = newRequestId().substring(16);
        headers.set(TRACEPARENT, "00-" + traceId + '-' + parentId + "-00");
        headers.remove(TRACESTATE);
        return traceId;
    }

    static boolean isValidTraceparent(String value) {
        // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55
        if (value.length() < 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return false;
        }
        if (!isLowerHex(value, 0, 2) || value.startsWith("ff") || !isLowerHex(value, 3, 35)
                || !isLowerHex(value, 36, 52) || !isLowerHex(value, 53, 55)) {
            return false;
        }
        if (isZeros(value, 3, 35) || isZeros(value, 36, 52)) {
            return false;
        }
        if (value.startsWith("00")) {
            return value.length() == 55;
        }
        // A later version may append fields after another dash.
        return value.length() == 55 || value.charAt(55) == '-';
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        long high = random.nextLong();
        long low = random.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (high >>> (60 - 4 * i)) & 0xf];
            id[16 + i] = HEX[(int) (low >>> (60 - 4 * i)) & 0xf];
        }
        return new String(id);
    }

    private static boolean isSaneId(String id) {
        int length = id.length();
        if (length == 0 || length > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static boolean mayHaveBody(HttpResponse response) {
        int code = response.status().code();
        return code >= 200 && code != 204 && code != 304;
    }

    /** The address as it appears in X-Forwarded-For: IPv6 without brackets or zone. */
    static String addressText(InetAddress address) {
        String text = address.getHostAddress();
        if (address instanceof Inet6Address) {
            int zone = text.indexOf('%');
            if (zone >= 0) {
                text = text.substring(0, zone);
            }
        }
        return text;
    }
}
