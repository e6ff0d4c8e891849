package dev.meridian.loadtest.load;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One kind of request in a {@link RequestMix}: method, path, headers, body and its weight (how often
 * it is picked relative to the others).
 *
 * <pre>{@code
 * RequestTemplate completion = RequestTemplate.of("POST", "/v2/code/completions",
 *         Map.of("Content-Type", "application/json"), "{\"prompt\": \"def f\"}".getBytes(UTF_8), 8);
 * }</pre>
 *
 * <p>Validated when built, so that a bad header or path fails before the run rather than on an
 * event loop: the method is an HTTP token, the path starts with {@code /} and has no spaces or
 * control characters, header names are tokens and values have no line breaks, the weight is a
 * positive finite number. Immutable; the body is copied in and out.
 */
public final class RequestTemplate {

    /** The largest body a template may carry (the gateway's own limit is about 600 KB). */
    public static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final String method;
    private final String path;
    private final Map<String, String> headers;
    private final byte[] body;
    private final double weight;

    private RequestTemplate(String method, String path, Map<String, String> headers, byte[] body, double weight) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.body = body;
        this.weight = weight;
    }

    /**
     * A template; {@code headers} keep their order.
     *
     * @throws IllegalArgumentException naming the first invalid field
     */
    public static RequestTemplate of(String method, String path, Map<String, String> headers, byte[] body, double weight) {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        requireNonNull(headers, "headers");
        requireNonNull(body, "body");
        String upperMethod = method.strip().toUpperCase(Locale.ROOT);
        if (!isToken(upperMethod)) {
            throw new IllegalArgumentException("method: '" + method + "' (expected: an HTTP method such as GET or POST)");
        }
        if (!path.startsWith("/") || !isVisibleAscii(path)) {
            throw new IllegalArgumentException(
                    "path: '" + path + "' (expected: starting with / and without spaces or control characters)");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = requireNonNull(header.getKey(), "header name").strip();
            String value = requireNonNull(header.getValue(), "value of header " + name).strip();
            if (!isToken(name)) {
                throw new IllegalArgumentException("headers: '" + name + "' is not a valid header name");
            }
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("headers: the value of '" + name + "' contains a line break or NUL");
            }
            copy.put(name, value);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException(
                    "body: " + body.length + " bytes (expected: at most " + MAX_BODY_BYTES + ")");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: a number > 0)");
        }
        return new RequestTemplate(upperMethod, path, Collections.unmodifiableMap(copy), body.clone(), weight);
    }

    /** A template with weight 1 and a UTF-8 body ({@code ""} for none). */
    public static RequestTemplate of(String method, String path, Map<String, String> headers, String body) {
        return of(method, path, headers, body.getBytes(StandardCharsets.UTF_8), 1);
    }

    /** The method, upper case. */
    public String method() {
        return method;
    }

    /** The request target, e.g. {@code /v2/code/completions}. */
    public String path() {
        return path;
    }

    /** Extra headers, in the order given; {@code Host}, {@code Content-Length} and {@code User-Agent} are added when absent. */
    public Map<String, String> headers() {
        return headers;
    }

    /** A copy of the body (empty for none). */
    public byte[] body() {
        return body.clone();
    }

    /** The body's length, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    /** The relative weight: a template of weight 2 is picked twice as often as one of weight 1. */
    public double weight() {
        return weight;
    }

    /** The body as sent; callers must not modify it. */
    byte[] bodyBytes() {
        return body;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RequestTemplate that
                && method.equals(that.method) && path.equals(that.path) && headers.equals(that.headers)
                && Arrays.equals(body, that.body) && Double.compare(weight, that.weight) == 0;
    }

    @Override
    public int hashCode() {
        return ((method.hashCode() * 31 + path.hashCode()) * 31 + headers.hashCode()) * 31 + Arrays.hashCode(body);
    }

    /** {@code POST /v2/code/completions (weight 8, 120-byte body)}. */
    @Override
    public String toString() {
        return method + " " + path + " (weight " + formatWeight(weight) + (body.length == 0 ? "" : ", " + body.length + "-byte body") + ")";
    }

    static String formatWeight(double weight) {
        return weight == Math.rint(weight) && weight < 1e15 ? Long.toString((long) weight) : Double.toString(weight);
    }

    /**
     * RFC 9110 section 5.6.2: {@code token = 1*tchar}, checked by Netty's validator. That one reads
     * each char as a byte, so non-ASCII text is refused before it could pass as its low byte.
     */
    private static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c < 0x80) && HttpHeaderValidationUtil.validateToken(s) == -1;
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
