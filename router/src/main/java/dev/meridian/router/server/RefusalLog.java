package dev.meridian.router.server;

import dev.meridian.router.http.ErrorResponse;
import io.netty.channel.Channel;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service-log line for each error response Meridian gives itself, with the request id that
 * the client got in {@code X-Request-ID}, so a user's report can be matched to what Meridian saw.
 *
 * <p>At INFO, at most one line per error code every {@value #INTERVAL_SECONDS} seconds, with how
 * many were left out since the last one. INFO because a refusal is not Meridian failing (not WARN)
 * but is what an operator needs to see when a client or a config change (say {@code server.hosts})
 * starts breaking requests, which DEBUG would hide; rate-limited because any client can cause them
 * at will (scanners send malformed requests all day), and a log flood must not be that cheap.
 * Limited per code, so a burst of one kind (503s in an outage) hides no other. The access log,
 * when enabled, still has every request.
 *
 * <p>Lock-free: one compare-and-set on the code's clock when a line is due; safe on any event loop.
 */
final class RefusalLog {

    private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

    static final long INTERVAL_SECONDS = 10;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS);

    private static final Map<ErrorResponse, Limiter> LIMITERS = new EnumMap<>(ErrorResponse.class);

    static {
        for (ErrorResponse error : ErrorResponse.values()) {
            LIMITERS.put(error, new Limiter());
        }
    }

    private RefusalLog() {}

    /** Logs (rate-limited) that {@code channel}'s request {@code requestId} was answered with {@code error}. */
    static void answered(Channel channel, String requestId, ErrorResponse error, @Nullable String detail) {
        if (!log.isInfoEnabled()) {
            return;
        }
        long skipped = LIMITERS.get(error).tryAcquire(System.nanoTime());
        if (skipped < 0) {
            return;
        }
        log.info("{} answered {} {} to request {}: {}{}", channel, error.status().code(), error.error(), requestId,
                detail == null ? "(default detail)" : detail,
                skipped == 0 ? "" : " (" + skipped + " more " + error.error() + " since the last line)");
    }

    /** One code's budget: a line when the interval has passed since the last one. */
    static final class Limiter {
        private final AtomicLong nextNanos = new AtomicLong(Long.MIN_VALUE);
        private final AtomicLong suppressed = new AtomicLong();

        /** The number of lines left out before this one when one is due now, else -1 (and this one is counted). */
        long tryAcquire(long nowNanos) {
            long next = nextNanos.get();
            if ((next == Long.MIN_VALUE || nowNanos - next >= 0)
                    && nextNanos.compareAndSet(next, nowNanos + INTERVAL_NANOS)) {
                return suppressed.getAndSet(0);
            }
            suppressed.incrementAndGet();
            return -1;
        }
    }
}
