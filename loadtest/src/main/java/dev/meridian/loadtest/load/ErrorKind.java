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
    STATUS_4XX,

    /** A complete response with a 5xx status; its latency is recorded like any other response's. */
    STATUS_5XX,

    /**
     * A connection attempt that failed (refused, unreachable, timed out, or its TLS handshake
     * failed). Counted per attempt, not per request: requests wait for a connection, and those
     * that wait longer than the timeout count as {@link #TIMEOUT}.
     */
    CONNECT,

    /**
     * No complete response within the request timeout, counted from the intended send time; the
     * connection is closed and opened again. In an open loop this includes requests that could not
     * even be sent within the timeout because every connection was busy or down.
     */
    TIMEOUT,

    /** The connection closed or failed while a request was outstanding, before the response ended. */
    RESET,

    /** The response could not be parsed as HTTP/1.1 (or arrived when no request was outstanding). */
    PROTOCOL;

    /** A short lower-case name for summaries and JSON: {@code status 5xx}, {@code timeout}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** The JSON key: {@code status5xx}, {@code connect}, ... */
    String jsonKey() {
        return name().toLowerCase(Locale.ROOT).replace("_", "");
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
