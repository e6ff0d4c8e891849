package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RecentRequests;
import dev.meridian.router.upstream.UpstreamPools;
import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * What every client connection's data path shares for the life of the server: the upstream
 * pools, the retry budget, the live time-to-first-byte per region, the attempts waiting for a
 * first byte (to rescue), the sample of recent requests, the access log, the scheme clients use,
 * the one clock the data path's logic reads, and the wall clock of the access log's timestamps.
 */
public record ProxyResources(
        UpstreamPools pools,
        RetryBudget budget,
        TimeToFirstByteTracker timeToFirstByte,
        AttemptRescuer rescuer,
        RecentRequests recentRequests,
        AccessLog accessLog,
        String scheme,
        LongSupplier nanoClock,
        Clock wallClock) {
    public ProxyResources {
        requireNonNull(pools, "pools");
        requireNonNull(budget, "budget");
        requireNonNull(timeToFirstByte, "timeToFirstByte");
        requireNonNull(rescuer, "rescuer");
        requireNonNull(nanoClock, "nanoClock");
        requireNonNull(recentRequests, "recentRequests");
        requireNonNull(accessLog, "accessLog");
        requireNonNull(scheme, "scheme");
        requireNonNull(wallClock, "wallClock");
    }
}
