package dev.meridian.config;

import java.time.Duration;

/**
 * Connection pools to region endpoints. Both bounds are per endpoint and across all event loops,
 * because per-loop pools multiply connections (Zuul's lesson); beyond them a request is refused
 * with 503 rather than queued without limit.
 *
 * @param maxConnectionsPerEndpoint 1..65535 (one source address cannot open more to one endpoint)
 * @param maxPendingAcquires requests that may wait for a connection per endpoint, 0..1000000
 * @param idleTimeout idle pooled connections are closed after this (positive)
 */
public record UpstreamConfig(int maxConnectionsPerEndpoint, int maxPendingAcquires, Duration idleTimeout) {

    public UpstreamConfig {
        Range.check("maxConnectionsPerEndpoint", maxConnectionsPerEndpoint, 1, 65535);
        Range.check("maxPendingAcquires", maxPendingAcquires, 0, 1_000_000);
        TimeoutConfig.checkPositive(idleTimeout, "idleTimeout");
    }

    /** Every value from {@link ConfigDefaults}. */
    public static UpstreamConfig ofDefaults() {
        return new UpstreamConfig(
                ConfigDefaults.MAX_CONNECTIONS_PER_ENDPOINT,
                ConfigDefaults.MAX_PENDING_ACQUIRES,
                ConfigDefaults.UPSTREAM_IDLE_TIMEOUT);
    }
}
