package dev.meridian.loadtest.load;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Why a request (or a connection attempt) did not end in a successful response. A load result
 * counts each kind separately because they mean different things: a 503 is the target answering
 * "no", a reset is a connection dying under a request, a timeout is nobody answering in time.
 */
public enum ErrorKind {

    /** A complete response with a 4xx status; its latency is recorded like any other response's. */
    STATUS_4XX("status 4xx"),

    /** A complete response with a 5xx status; its latency is recorded like any other response's. */
    STATUS_5XX("status 5xx"),

    /**
     * A connection attempt that failed (refused, unreachable, timed out, or its TLS handshake
     * failed). Counted per attempt, not per request: requests wait for a connection, and those
     * that wait longer than the timeout count as {@link #TIMEOUT}.
     */
    CONNECT("connect"),

    /**
     * No complete response within the request timeout, counted from the intended send time; the
     * connection is closed and opened again. In an open loop this includes requests that could not
     * even be sent within the timeout because every connection was busy or down.
     */
    TIMEOUT("timeout"),

    /** The connection closed or failed while a request was outstanding, before the response ended. */
    RESET("reset"),

    /** The response could not be parsed as HTTP/1.1 (or arrived when no request was outstanding). */
    PROTOCOL("protocol");

    private final String label;

    ErrorKind(String label) {
        this.label = label;
    }

    /** A short lower-case name for summaries and JSON: {@code status 5xx}, {@code timeout}, ... */
    public String label() {
        return label;
    }

    /** The JSON key: {@code status5xx}, {@code connect}, ... */
    String jsonKey() {
        return switch (this) {
            case STATUS_4XX -> "status4xx";
            case STATUS_5XX -> "status5xx";
            default -> name().toLowerCase(Locale.ROOT);
        };
    }

    /** The error kind of a response status, or null for 1xx..3xx. */
    static @Nullable ErrorKind ofStatus(int status) {
        if (status >= 500) {
            return STATUS_5XX;
        }
        if (status >= 400) {
            return STATUS_4XX;
        }
        return null;
    }
}
