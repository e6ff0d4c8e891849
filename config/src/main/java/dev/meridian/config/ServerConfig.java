package dev.meridian.config;

import java.time.Duration;
import static java.util.Objects.requireNonNull;

/**
 * The client-facing HTTP server. Every limit is explicit because an edge proxy meets arbitrary
 * clients: a bounded request line (414), header block (431) and body (413), idle connections
 * closed, and a bounded drain on shutdown.
 *
 * @param eventLoops data-path event loops, 0..1024; 0 = one per available core
 * @param transport socket transport
 * @param maxInitialLineLength longest request line in bytes, at least 1
 * @param maxHeaderSize largest header block in bytes, at least 1
 * @param maxRequestBody largest request body in bytes, at least 0
 * @param clientIdleTimeout idle keep-alive client connections are closed after this (positive)
 * @param shutdownGrace how long in-flight requests may take to finish on SIGTERM (zero or more)
 * @param regionHeader whether proxied responses carry {@code X-Meridian-Region}
 */
public record ServerConfig(
        int eventLoops,
        Transport transport,
        int maxInitialLineLength,
        int maxHeaderSize,
        long maxRequestBody,
        Duration clientIdleTimeout,
        Duration shutdownGrace,
        boolean regionHeader) {

    /** Most event loops accepted; far above any core count, it catches typos. */
    public static final int MAX_EVENT_LOOPS = 1024;

    public ServerConfig {
        if (eventLoops < 0 || eventLoops > MAX_EVENT_LOOPS) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: 0.." + MAX_EVENT_LOOPS + ")");
        }
        requireNonNull(transport, "transport");
        if (maxInitialLineLength < 1) {
            throw new IllegalArgumentException("maxInitialLineLength: " + maxInitialLineLength + " (expected: >= 1)");
        }
        if (maxHeaderSize < 1) {
            throw new IllegalArgumentException("maxHeaderSize: " + maxHeaderSize + " (expected: >= 1)");
        }
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("maxRequestBody: " + maxRequestBody + " (expected: >= 0)");
        }
        TimeoutConfig.checkPositive(clientIdleTimeout, "clientIdleTimeout");
        requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace: " + shutdownGrace + " (expected: >= 0)");
        }
    }

    /** Every value from {@link ConfigDefaults}. */
    public static ServerConfig ofDefaults() {
        return new ServerConfig(
                ConfigDefaults.EVENT_LOOPS,
                ConfigDefaults.TRANSPORT,
                ConfigDefaults.MAX_INITIAL_LINE_LENGTH,
                ConfigDefaults.MAX_HEADER_SIZE,
                ConfigDefaults.MAX_REQUEST_BODY,
                ConfigDefaults.CLIENT_IDLE_TIMEOUT,
                ConfigDefaults.SHUTDOWN_GRACE,
                ConfigDefaults.REGION_HEADER);
    }
}
