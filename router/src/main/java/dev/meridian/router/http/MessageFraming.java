package dev.meridian.router.http;

import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.InvalidChunkTerminationException;
import io.netty.handler.codec.http.InvalidLineSeparatorException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether an HTTP/1 message can be forwarded: the checks that keep Meridian and the next
 * hop from framing the same bytes differently (request smuggling, response splitting), on top of
 * what Netty's {@code HttpObjectDecoder} already rejects.
 *
 * <p>Netty 4.2 (with the decoder configuration in {@link dev.meridian.router.server.ClientChannelInitializer} and
 * {@link dev.meridian.router.upstream.UpstreamPool}) already fails the decode of: Content-Length with Transfer-Encoding,
 * several or non-numeric Content-Length values (even identical ones, which RFC 9110 §8.6 lets a
 * recipient reject), {@code chunked} applied twice or not last, Transfer-Encoding on HTTP/1.0,
 * bare LF line ends, CR/NUL/CTL in field values, non-token field names (requests only; whitespace
 * before the colon included), a method that is not a token, a version that is not
 * {@code HTTP/x.y}, and every malformed chunk (size, extension, CRLF). What it accepts and this
 * class refuses, each with the RFC rule:
 * <ul>
 *   <li>a Transfer-Encoding other than exactly {@code chunked} ({@code gzip, chunked},
 *       {@code Chunked}): RFC 9112 §6.1 leaves unknown codings to a 501, and Meridian forwards
 *       bodies as received, so any coding but {@code chunked} alone is refused;
 *   <li>a version other than HTTP/1.0 or HTTP/1.1 in an HTTP/1 request line (RFC 9112 §2.3);
 *   <li>a request target that is not origin-form, {@code *} for OPTIONS or absolute-form for a
 *       host Meridian serves, or that holds a byte outside visible ASCII (RFC 9112 §3.2);
 *   <li>none or several Host fields on HTTP/1.1, or an invalid Host (RFC 9112 §3.2); an
 *       absolute-form target for a host not in {@code server.hosts} (all of them when empty);
 *   <li>in responses: a status outside 100–599, a 101 (Meridian never asks to upgrade), a 1xx with
 *       a body, and the header and framing rules above (the response decoder is lenient).
 * </ul>
 * An absolute-form target for a served host is rewritten to origin-form with that Host (RFC 9112
 * §3.2.2), so the upstream never sees two authorities.
 *
 * <p>Stateless; every method runs on the connection's event loop.
 */
public final class MessageFraming {

    /** Why a message is refused: the error to answer with and a fixed detail that echoes no input. */
    public record Problem(ErrorResponse error, String detail) {}

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private MessageFraming() {}

    /**
     * Checks a decoded request head, and rewrites an absolute-form target for a served host to
     * origin-form.
     *
     * @param hosts the host names absolute-form targets may name ({@code server.hosts}); empty
     *     refuses every absolute-form target. The Host header is not restricted.
     * @return what is wrong, or {@code null} when the request may be forwarded
     */
    public static @Nullable Problem checkRequest(HttpRequest request, List<String> hosts) {
        HttpVersion version = request.protocolVersion();
        if (!isHttp1(version)) {
            return new Problem(ErrorResponse.INVALID_REQUEST_LINE, "only HTTP/1.0 and HTTP/1.1 are accepted here");
        }
        HttpHeaders headers = request.headers();
        Problem problem = checkFields(headers, ErrorResponse.INVALID_HEADER);
        if (problem != null) {
            return problem;
        }
        problem = checkFraming(headers, version, ErrorResponse.AMBIGUOUS_FRAMING);
        if (problem != null) {
            return problem;
        }
        return checkTarget(request, hosts);
    }

    /**
     * Checks a decoded response head. A 204 or 304 that announces a body (RFC 9112 §6.3 rule 1:
     * it has none) is forwarded without that announcement, and marked {@code Connection: close}
     * so that the bytes it may have sent after its head never reach the next exchange.
     *
     * @return what is wrong, or {@code null} when the response may be forwarded
     */
    public static @Nullable Problem checkResponse(HttpResponse response) {
        HttpVersion version = response.protocolVersion();
        if (!isHttp1(version)) {
            return upstream("the upstream answered with an unsupported HTTP version");
        }
        int status = response.status().code();
        if (status < 100 || status > 599) {
            return upstream("the upstream answered with an invalid status code");
        }
        if (status == 101) {
            return upstream("the upstream switched protocols, which Meridian never asks for");
        }
        HttpHeaders headers = response.headers();
        Problem problem = checkFields(headers, ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
        if (problem != null) {
            return problem;
        }
        problem = checkFraming(headers, version, ErrorResponse.UPSTREAM_PROTOCOL_ERROR);
        if (problem != null) {
            return problem;
        }
        boolean announcesBody = headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                || (status != 304 && headers.getInt(HttpHeaderNames.CONTENT_LENGTH, 0) != 0);
        if (announcesBody) {
            if (status < 200) {
                return upstream("the upstream sent an interim response with a body");
            }
            if (status == 204 || status == 304) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
                if (status == 204) {
                    headers.remove(HttpHeaderNames.CONTENT_LENGTH);
                }
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        return null;
    }

    /**
     * The error for a message Netty's decoder could not decode.
     *
     * @param inBody whether the failure came with a body part (the head was fine), i.e. in the
     *     chunked framing or its trailer
     */
    public static ErrorResponse errorForDecoderFailure(Throwable cause, boolean inBody) {
        if (cause instanceof TooLongHttpLineException) {
            return ErrorResponse.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorResponse.HEADERS_TOO_LARGE;
        }
        if (inBody || cause instanceof InvalidChunkExtensionException
                || cause instanceof InvalidChunkTerminationException || cause instanceof NumberFormatException) {
            return ErrorResponse.INVALID_CHUNK;
        }
        if (cause instanceof ContentLengthNotAllowedException || cause instanceof TransferEncodingNotAllowedException) {
            return ErrorResponse.AMBIGUOUS_FRAMING;
        }
        if (cause instanceof InvalidLineSeparatorException) {
            return ErrorResponse.INVALID_HEADER;
        }
        // Netty says what it refused only in the message; these fragments are pinned by MessageFramingTest.
        String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("header name") || message.contains("validation failed for header")
                || message.contains("empty headers") || message.contains("colon") || message.contains("separator")) {
            return ErrorResponse.INVALID_HEADER;
        }
        if (message.contains("content-length") || message.contains("transfer coding")
                || message.contains("transfer-encoding") || message.contains("chunked")) {
            return ErrorResponse.AMBIGUOUS_FRAMING;
        }
        if (message.contains("version") || message.contains("method") || message.contains("request line")
                || message.contains("http/0.9")) {
            return ErrorResponse.INVALID_REQUEST_LINE;
        }
        return ErrorResponse.BAD_REQUEST;
    }

    private static boolean isHttp1(HttpVersion version) {
        return "HTTP".equals(version.protocolName()) && version.majorVersion() == 1
                && (version.minorVersion() == 0 || version.minorVersion() == 1);
    }

    /** Field names are tokens and values hold no CTL but HTAB (RFC 9110 §5.1, §5.5). */
    private static @Nullable Problem checkFields(HttpHeaders headers, ErrorResponse error) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            if (!isToken(field.getKey())) {
                return new Problem(error, error == ErrorResponse.INVALID_HEADER
                        ? "a header name holds a character that is not allowed"
                        : "the upstream sent a header name with a character that is not allowed");
            }
            CharSequence value = field.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                    return new Problem(error, error == ErrorResponse.INVALID_HEADER
                            ? "a header value holds a control character"
                            : "the upstream sent a header value with a control character");
                }
            }
        }
        return null;
    }

    /**
     * RFC 9112 §6.1–6.3: at most one Content-Length, digits only; Transfer-Encoding only on
     * HTTP/1.1, exactly {@code chunked}, and never with Content-Length.
     */
    private static @Nullable Problem checkFraming(HttpHeaders headers, HttpVersion version, ErrorResponse error) {
        boolean upstream = error == ErrorResponse.UPSTREAM_PROTOCOL_ERROR;
        // Checked for every request and response: ask before building a list (most carry one field or none).
        List<String> lengths = headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                ? headers.getAll(HttpHeaderNames.CONTENT_LENGTH) : List.of();
        if (lengths.size() > 1 || (lengths.size() == 1 && !isDigits(lengths.get(0)))) {
            return new Problem(error, upstream ? "the upstream sent an invalid or repeated Content-Length"
                    : "Content-Length must appear once, as a decimal number");
        }
        if (!headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return null;
        }
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!lengths.isEmpty()) {
            return new Problem(error, upstream ? "the upstream sent both Content-Length and Transfer-Encoding"
                    : "the request has both Content-Length and Transfer-Encoding");
        }
        if (!version.equals(HttpVersion.HTTP_1_1)) {
            return new Problem(error, upstream ? "the upstream sent Transfer-Encoding in an HTTP/1.0 response"
                    : "Transfer-Encoding is not allowed in an HTTP/1.0 request");
        }
        if (codings.size() != 1 || !HttpHeaderValues.CHUNKED.contentEquals(codings.get(0))) {
            return new Problem(error, upstream ? "the upstream sent a Transfer-Encoding other than chunked"
                    : "Transfer-Encoding must be exactly \"chunked\"");
        }
        return null;
    }

    private static @Nullable Problem checkTarget(HttpRequest request, List<String> hosts) {
        String uri = request.uri();
        HttpHeaders headers = request.headers();
        if (uri.isEmpty() || !isVisibleAscii(uri)) {
            return badTarget();
        }
        if (uri.charAt(0) == '/') {
            return checkHost(headers, request.protocolVersion());
        }
        if (uri.equals("*")) {
            return HttpMethod.OPTIONS.equals(request.method()) ? checkHost(headers, request.protocolVersion()) : badTarget();
        }
        String lower = uri.toLowerCase(Locale.ROOT);
        int authorityStart = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (authorityStart < 0) {
            return badTarget();
        }
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = uri.substring(authorityStart, authorityEnd);
        if (authority.isEmpty() || authority.indexOf('@') >= 0 || !isHostValue(authority)) {
            return badTarget();
        }
        if (!served(hostPart(authority), hosts)) {
            return new Problem(ErrorResponse.HOST_NOT_ALLOWED, "absolute-form requests are only accepted for "
                    + "the hosts this server is configured to serve");
        }
        String rest = uri.substring(authorityEnd);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        request.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
        // RFC 9112 §3.2.2: the target's authority replaces any Host field.
        headers.set(HttpHeaderNames.HOST, authority);
        return null;
    }

    /**
     * RFC 9112 §3.2: exactly one Host on HTTP/1.1 (at most one on 1.0), and a valid one. Which
     * host it names is not restricted ({@code server.hosts} governs absolute-form targets only).
     */
    private static @Nullable Problem checkHost(HttpHeaders headers, HttpVersion version) {
        List<String> values = headers.getAll(HttpHeaderNames.HOST);
        if (values.size() > 1) {
            return new Problem(ErrorResponse.INVALID_HEADER, "the request has more than one Host header");
        }
        if (values.isEmpty()) {
            return version.equals(HttpVersion.HTTP_1_1)
                    ? new Problem(ErrorResponse.INVALID_HEADER, "an HTTP/1.1 request must have a Host header") : null;
        }
        return isHostValue(values.get(0)) ? null
                : new Problem(ErrorResponse.INVALID_HEADER, "the Host header is not a valid host");
    }

    /** Whether {@code server.hosts} lists {@code host} (an IP literal with or without its brackets). */
    private static boolean served(String host, List<String> hosts) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        for (String served : hosts) {
            if (served.equalsIgnoreCase(host) || served.equalsIgnoreCase(bare)) {
                return true;
            }
        }
        return false;
    }

    /** The host of {@code host[:port]} or {@code [v6]:port}. */
    private static String hostPart(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(0, close + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /**
     * {@code uri-host [":" port]} (RFC 3986 §3.2.2): reg-name characters (unreserved, sub-delims,
     * pct-encoded), an IP literal in brackets, and a numeric port. Empty is allowed (RFC 9112 §3.2).
     */
    static boolean isHostValue(String value) {
        String host = hostPart(value);
        String port = value.substring(host.length());
        if (!port.isEmpty() && (port.charAt(0) != ':' || !isDigits(port.substring(1)) || port.length() > 6)) {
            return false;
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                return false;
            }
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~%!$&'()*+,;=".indexOf(c) >= 0;
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static boolean isToken(CharSequence name) {
        if (name.length() == 0) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static Problem badTarget() {
        return new Problem(ErrorResponse.INVALID_REQUEST_LINE,
                "the request target must be a path, * for OPTIONS, or an absolute URL");
    }

    private static Problem upstream(String detail) {
        return new Problem(ErrorResponse.UPSTREAM_PROTOCOL_ERROR, detail);
    }
}
