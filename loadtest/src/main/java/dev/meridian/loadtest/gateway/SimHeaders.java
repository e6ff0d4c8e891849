package dev.meridian.loadtest.gateway;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The headers a simulated gateway reads and writes beyond standard HTTP, in one place so tests
 * spell them the same way as the simulator.
 *
 * <p>Requests may carry per-request overrides, meant for tests that need one exchange to behave
 * differently from the gateway's configured latency and fault:
 * <ul>
 *   <li>{@value #DELAY}: extra time before the response headers, e.g. {@code 300ms};</li>
 *   <li>{@value #STATUS}: answer this status (400..599) with a JSON {@code {"detail": ...}} body;</li>
 *   <li>{@value #CHUNKS} and {@value #CHUNK_INTERVAL}: how many content events a streaming endpoint
 *       sends (default {@value #DEFAULT_CHUNKS}) and the pause between events (default 10ms).</li>
 * </ul>
 * Every response carries {@value #GATEWAY} (the gateway's name) and echoes {@value #REQUEST_ID}.
 */
public final class SimHeaders {

    /** Response header naming the gateway that answered. */
    public static final String GATEWAY = "x-sim-gateway";
    /** Request id, echoed back when the request had one (the AI gateway does the same). */
    public static final String REQUEST_ID = "x-request-id";
    /** Request header: a duration added before the response headers. */
    public static final String DELAY = "x-sim-delay";
    /** Request header: answer with this status instead. */
    public static final String STATUS = "x-sim-status";
    /** Request header: the number of content events of a streaming response. */
    public static final String CHUNKS = "x-sim-chunks";
    /** Request header: the pause between events of a streaming response. */
    public static final String CHUNK_INTERVAL = "x-sim-chunk-interval";

    /** Content events per stream when {@value #CHUNKS} is absent. */
    public static final int DEFAULT_CHUNKS = 5;
    /** Pause between stream events when {@value #CHUNK_INTERVAL} is absent. */
    public static final Duration DEFAULT_CHUNK_INTERVAL = Duration.ofMillis(10);

    static final int MAX_CHUNKS = 100_000;
    static final Duration MAX_CHUNK_INTERVAL = Duration.ofMinutes(1);
    static final Duration MAX_DELAY = Duration.ofMinutes(10);

    private SimHeaders() {
    }

    /**
     * Reads a duration header bounded by {@code max}, or null when absent.
     *
     * @throws IllegalArgumentException naming the header when the value is malformed or too large
     */
    static @Nullable Duration duration(HttpHeaders headers, String name, Duration max) {
        String value = headers.get(name);
        if (value == null) {
            return null;
        }
        Duration duration;
        try {
            duration = DurationText.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        if (duration.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    name + ": '" + value + "' (expected: at most " + DurationText.format(max) + ")");
        }
        return duration;
    }

    /**
     * Reads an integer header within {@code min..max}, or {@code absent} when missing.
     *
     * @throws IllegalArgumentException naming the header when the value is malformed or out of range
     */
    static int integer(HttpHeaders headers, String name, int min, int max, int absent) {
        String value = headers.get(name);
        if (value == null) {
            return absent;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            parsed = Integer.MIN_VALUE;
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: " + min + ".." + max + ")");
        }
        return parsed;
    }
}
