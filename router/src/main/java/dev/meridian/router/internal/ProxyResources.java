package dev.meridian.router.internal;

import static java.util.Objects.requireNonNull;

/**
 * What every client connection's data path shares for the life of the server: the upstream
 * pools, the retry budget, the live time-to-first-byte per region, the sample of recent requests,
 * the access log, and the scheme clients use.
 */
public record ProxyResources(
        UpstreamPools pools,
        RetryBudget budget,
        TimeToFirstByteTracker timeToFirstByte,
        RecentRequests recentRequests,
        AccessLog accessLog,
        String scheme) {
    public ProxyResources {
        requireNonNull(pools, "pools");
        requireNonNull(budget, "budget");
        requireNonNull(timeToFirstByte, "timeToFirstByte");
        requireNonNull(recentRequests, "recentRequests");
        requireNonNull(accessLog, "accessLog");
        requireNonNull(scheme, "scheme");
    }
}
