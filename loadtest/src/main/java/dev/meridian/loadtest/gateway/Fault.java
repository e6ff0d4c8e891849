package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A failure a simulated gateway is told to act out, so the router's failover, retry, timeout and
 * cancellation paths can be exercised against real sockets.
 *
 * <p>Faults apply to every data endpoint except {@code GET /monitoring/healthz}, which only
 * {@link Hang} affects (a hung process answers nothing, but a slow or erroring model provider does
 * not make the cheap liveness probe fail). {@code GET /monitoring/ready} answers 503 while the fault
 * is {@link Errors}. A fault is read when a request starts: changing it affects new requests, not
 * the ones in flight.
 */
public sealed interface Fault {

    /** The name used on the control port and command line: {@code none}, {@code hang}, .... */
    String mode();

    /** Behave normally. */
    record None() implements Fault {
        @Override
        public String mode() {
            return "none";
        }
    }

    /**
     * Accept connections and read requests, but never answer them: the router's timeouts must
     * fire. Requests accepted while hanging stay unanswered even after the fault is lifted; the
     * client has to give up (which the stats count as {@code cancelled}).
     */
    record Hang() implements Fault {
        @Override
        public String mode() {
            return "hang";
        }
    }

    /**
     * Answer correctly, but only after {@code extra} on top of the latency model (before the response
     * headers; a stream's pacing is unchanged). Health checks are delayed too: this models a slow
     * path to the replica, which a prober measures.
     */
    record Slow(Duration extra) implements Fault {
        /** Validates that {@code extra} is within 0..1h. */
        public Slow {
            requireNonNull(extra, "extra");
            if (extra.isNegative() || extra.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("extra: " + DurationText.format(extra) + " (expected: 0..1h)");
            }
        }

        @Override
        public String mode() {
            return "slow";
        }
    }

    /**
     * Answer a fraction {@code rate} of requests (picked independently per request) with
     * {@code status} and a JSON {@code {"detail": ...}} body, the way the gateway reports a failed
     * inference (503) or an exhausted provider quota (429). When {@code retryAfter} is set the
     * response carries {@code Retry-After} in whole seconds (rounded up).
     */
    record Errors(int status, double rate, @Nullable Duration retryAfter) implements Fault {
        /** Validates: status 400..599, rate 0..1, retry-after non-negative. */
        public Errors {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
            }
            if (!(rate >= 0.0 && rate <= 1.0)) {
                throw new IllegalArgumentException("rate: " + rate + " (expected: 0.0..1.0)");
            }
            if (retryAfter != null && retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter: " + DurationText.format(retryAfter) + " (expected: >= 0)");
            }
        }

        @Override
        public String mode() {
            return "errors";
        }
    }

    /**
     * Streaming responses ({@code /v4/code/suggestions}, {@code /v2/chat/agent}, {@code /bytes/{n}})
     * send their headers and {@code afterChunks} body chunks, then reset the connection (close with
     * {@code SO_LINGER} 0, so the client sees a TCP RST instead of a clean end). Every SSE event
     * ({@code stream_start} included), NDJSON line or 16 KiB block of {@code /bytes} is one chunk. A
     * stream shorter than that completes normally; non-streaming responses are not affected.
     */
    record ResetMidStream(int afterChunks) implements Fault {
        /** Validates that {@code afterChunks} is non-negative. */
        public ResetMidStream {
            if (afterChunks < 0) {
                throw new IllegalArgumentException("afterChunks: " + afterChunks + " (expected: >= 0)");
            }
        }

        @Override
        public String mode() {
            return "reset-mid-stream";
        }
    }

    /** No fault. */
    static Fault none() {
        return new None();
    }

    /** Read requests and never answer. */
    static Fault hang() {
        return new Hang();
    }

    /** Add {@code extra} before every answer. */
    static Fault slow(Duration extra) {
        return new Slow(extra);
    }

    /** Answer {@code status} to a fraction {@code rate} of requests, without {@code Retry-After}. */
    static Fault errors(int status, double rate) {
        return new Errors(status, rate, null);
    }

    /** Answer {@code status} with {@code Retry-After} to a fraction {@code rate} of requests. */
    static Fault errors(int status, double rate, Duration retryAfter) {
        return new Errors(status, rate, retryAfter);
    }

    /** Answer every request with 429 and {@code Retry-After}: a provider quota is exhausted. */
    static Fault tooManyRequests(Duration retryAfter) {
        return new Errors(429, 1.0, retryAfter);
    }

    /** Reset streaming responses after {@code afterChunks} chunks. */
    static Fault resetMidStream(int afterChunks) {
        return new ResetMidStream(afterChunks);
    }
}
