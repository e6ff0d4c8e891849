package dev.meridian.router.http;

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
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

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
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private ForwardingHeaders() {}

    /**
     * Prepares a client's request for the upstream: hop-by-hop headers removed, framing kept,
     * {@code X-Forwarded-For} appended with the client's address, {@code X-Forwarded-Proto} and
     * {@code X-Forwarded-Host} set, and {@code X-Request-ID} set to {@code requestId}.
     *
     * @param clientAddress the client's address as {@link #addressText} writes it (worked out once
     *     per connection by {@link dev.meridian.router.server.ClientContext})
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
        // Most messages carry no Connection header: ask before making an iterator (no list either way).
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
            while (values.hasNext()) {
                removeNamedIn(headers, values.next());
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * Removes the headers a {@code Connection} value names, scanning its comma-separated tokens in
     * place: the usual tokens ({@code close}, {@code keep-alive}, {@code upgrade}) cost no new string.
     */
    private static void removeNamedIn(HttpHeaders headers, String value) {
        int length = value.length();
        int start = 0;
        while (start < length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            int from = start;
            int to = end;
            while (from < to && isOws(value.charAt(from))) {
                from++;
            }
            while (to > from && isOws(value.charAt(to - 1))) {
                to--;
            }
            removeToken(headers, value, from, to);
            start = end + 1;
        }
    }

    private static void removeToken(HttpHeaders headers, String value, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return;
        }
        if (isNamed(value, from, length, HttpHeaderValues.CLOSE)) {
            headers.remove(HttpHeaderValues.CLOSE);
            return;
        }
        for (AsciiString name : HOP_BY_HOP) {
            if (isNamed(value, from, length, name)) {
                return; // removed with the fixed list
            }
        }
        // A Connection header must not name the message's framing or Host (RFC 9110 §7.6.1);
        // obeying one that does would send the body upstream without its framing.
        if (isNamed(value, from, length, HttpHeaderNames.CONTENT_LENGTH)
                || isNamed(value, from, length, HttpHeaderNames.HOST)) {
            return;
        }
        headers.remove(value.substring(from, to));
    }

    private static boolean isNamed(String value, int from, int length, AsciiString name) {
        return length == name.length() && AsciiString.regionMatches(value, true, from, name, 0, length);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * The client's {@code X-Request-ID} when it is a sane token (1–128 visible ASCII characters),
     * otherwise a new random 128-bit id in hex.
     */
    public static String requestId(HttpHeaders headers) {
        String given = clientRequestId(headers);
        return given != null ? given : newRequestId();
    }

    /** The client's {@code X-Request-ID} when it is a sane token (1–128 visible ASCII characters), else {@code null}. */
    public static @Nullable String clientRequestId(HttpHeaders headers) {
        String given = headers.get(X_REQUEST_ID);
        return given != null && isSaneId(given) ? given : null;
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
        return traceId(headers, null);
    }

    /**
     * {@link #traceId(HttpHeaders)}, taking {@code newId} (32 lower-case hex digits, a random
     * draw of Meridian's own, such as a request id it just made) as the id of a new trace instead
     * of drawing another.
     */
    public static String traceId(HttpHeaders headers, @Nullable String newId) {
        Iterator<String> given = headers.valueStringIterator(TRACEPARENT);
        if (given.hasNext()) {
            String value = given.next();
            if (!given.hasNext() && isValidTraceparent(value)) {
                return value.substring(3, 35);
            }
        }
        String traceId = newId != null ? newId : newRequestId();
        // "00-" trace-id "-" parent-id "-00", written as ASCII bytes.
        byte[] traceparent = new byte[55];
        traceparent[0] = '0';
        traceparent[1] = '0';
        traceparent[2] = '-';
        for (int i = 0; i < 32; i++) {
            traceparent[3 + i] = (byte) traceId.charAt(i);
        }
        traceparent[35] = '-';
        writeHex(ThreadLocalRandom.current().nextLong(), traceparent, 36);
        traceparent[52] = '-';
        traceparent[53] = '0';
        traceparent[54] = '0';
        headers.set(TRACEPARENT, new AsciiString(traceparent, false));
        headers.remove(TRACESTATE);
        return traceId;
    }

    public static boolean isValidTraceparent(String value) {
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

    /** A new random 128-bit id in lower-case hex, written as ASCII bytes (one copy into the string). */
    public static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] id = new byte[32];
        writeHex(random.nextLong(), id, 0);
        writeHex(random.nextLong(), id, 16);
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    private static void writeHex(long value, byte[] out, int at) {
        for (int i = 0; i < 16; i++) {
            out[at + i] = HEX[(int) (value >>> (60 - 4 * i)) & 0xf];
        }
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
    public static String addressText(InetAddress address) {
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
