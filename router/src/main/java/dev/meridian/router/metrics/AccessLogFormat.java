package dev.meridian.router.metrics;

import dev.meridian.config.syntax.PathPrefixRule;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.json.JsonLineWriter;
import java.net.InetAddress;
import java.time.Instant;

/**
 * Formats {@link AccessLog.Entry entries} as the access log's JSON lines without allocating: it
 * keeps what repeats from line to line, so a line costs no {@code String}. The time's text up to
 * the second is made once a second and the milliseconds written as digits; a client address's text
 * is made once and reused while that address keeps sending (a small cache indexed by its hash);
 * the path, cut before the query, is copied into a reused buffer instead of a substring.
 *
 * <p>One thread at a time: the access log's writer thread keeps one.
 *
 * <pre>{@code
 * AccessLogFormat format = new AccessLogFormat();
 * JsonLineWriter batch = new JsonLineWriter();
 * format.append(entry, batch);     // {"time":"2026-11-23T15:04:05.123Z","request_id":...}\n
 * }</pre>
 */
public final class AccessLogFormat {

    /** Longest path written; longer ones are cut and end with {@code ...}. */
    static final int MAX_PATH = 1024;

    /** {@code yyyy-MM-ddTHH:mm:ss}: what {@link Instant#toString()} writes before the fraction. */
    private static final int SECOND_LENGTH = 19;
    /** Recent client addresses kept with their text; a power of two. */
    private static final int ADDRESSES = 256;

    private final char[] time = new char[SECOND_LENGTH + ".123Z".length()];
    private long second = Long.MIN_VALUE;
    private final char[] path = new char[MAX_PATH + "...".length()];
    private final InetAddress[] addresses = new InetAddress[ADDRESSES];
    private final String[] addressTexts = new String[ADDRESSES];

    /** Appends {@code e} to {@code out} as one JSON line. */
    public void append(AccessLog.Entry e, JsonLineWriter out) {
        out.begin();
        time(e.epochMillis(), out);
        out.string("request_id", e.requestId())
                .string("trace_id", e.traceId())
                .string("client", addressText(e.client()));
        out.string("method", e.method());
        path(e.uri(), out);
        out.string("route", e.route())
                .string("region", e.region())
                .string("endpoint", e.endpoint())
                .number("status", e.status())
                .number("bytes", e.bytes())
                .tenths("ttfb_ms", e.ttfbNanos() < 0 ? -1 : tenthsOfMillis(e.ttfbNanos()))
                .tenths("duration_ms", tenthsOfMillis(e.totalNanos()))
                .number("attempts", e.attempts())
                .string("reason", e.reason())
                .end();
    }

    /**
     * The time as {@link Instant#toString()} writes it (ISO-8601 in UTC, the milliseconds only
     * when they are not zero), from the current second's text and three digits.
     */
    private void time(long epochMillis, JsonLineWriter out) {
        long epochSecond = Math.floorDiv(epochMillis, 1000L);
        if (epochSecond != second) {
            String text = Instant.ofEpochSecond(epochSecond).toString();
            if (text.length() != SECOND_LENGTH + 1) { // a year outside 0000..9999: written as it comes
                second = Long.MIN_VALUE;
                out.string("time", Instant.ofEpochMilli(epochMillis).toString());
                return;
            }
            text.getChars(0, SECOND_LENGTH, time, 0);
            second = epochSecond;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        int length = SECOND_LENGTH;
        if (millis != 0) {
            time[length++] = '.';
            time[length++] = (char) ('0' + millis / 100);
            time[length++] = (char) ('0' + millis / 10 % 10);
            time[length++] = (char) ('0' + millis % 10);
        }
        time[length++] = 'Z';
        out.string("time", time, 0, length);
    }

    /** The path without query or fragment (which may carry secrets), at most {@link #MAX_PATH} characters. */
    private void path(String uri, JsonLineWriter out) {
        int end = PathPrefixRule.pathEnd(uri);
        if (end == uri.length() && end <= MAX_PATH) {
            out.string("path", uri);
            return;
        }
        int length = Math.min(end, MAX_PATH);
        uri.getChars(0, length, path, 0);
        if (end > MAX_PATH) {
            path[length++] = '.';
            path[length++] = '.';
            path[length++] = '.';
        }
        out.string("path", path, 0, length);
    }

    /** The client's text as {@code ForwardingHeaders.addressText} makes it, made once per address while it is kept. */
    private String addressText(InetAddress address) {
        int slot = address.hashCode() & (ADDRESSES - 1);
        InetAddress kept = addresses[slot];
        if (kept != null && kept.equals(address)) { // equal addresses have equal text: the zone is left out
            return addressTexts[slot];
        }
        String text = ForwardingHeaders.addressText(address);
        addresses[slot] = address;
        addressTexts[slot] = text;
        return text;
    }

    private static long tenthsOfMillis(long nanos) {
        return Math.round(nanos / 100_000.0); // 0.1 ms
    }
}
