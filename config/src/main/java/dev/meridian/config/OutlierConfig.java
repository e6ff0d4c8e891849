package dev.meridian.config;

import java.time.Duration;

/**
 * Passive outlier detection: an endpoint whose requests fail several times in a row is taken out
 * of rotation for a while, without waiting for the probes, because real traffic finds a broken
 * replica sooner than a probe every few seconds does. Each new ejection of the same endpoint lasts
 * longer ({@code baseEjection × times ejected}, at most {@code maxEjection}), so a replica that
 * keeps failing stays out longer, like Envoy's outlier detection.
 *
 * @param consecutiveFailures gateway failures in a row (connect error, reset, 502/503/504, timeout) that eject, 1..1000
 * @param baseEjection the first ejection's length; the n-th lasts n times this (positive)
 * @param maxEjection the longest ejection (positive, at least {@code baseEjection})
 * @param maxEjectedPercent at most this percentage of a region's endpoints is ejected at once, 0..100;
 *     one endpoint may always be ejected, so that a region of two replicas can still lose its broken one
 * @param unejectOnProbeSuccess whether an ejected endpoint returns at its first successful active probe
 *     that started after the ejection began (Envoy's {@code successful_active_health_check_uneject_host}),
 *     so that recovery is as fast as detection; the ejection multiplier still grows when it fails again
 */
public record OutlierConfig(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int maxEjectedPercent,
        boolean unejectOnProbeSuccess) {

    /** Largest number of consecutive failures; far above any sensible value, it catches typos. */
    public static final int MAX_CONSECUTIVE_FAILURES = 1000;

    public OutlierConfig {
        Range.check("consecutiveFailures", consecutiveFailures, 1, MAX_CONSECUTIVE_FAILURES);
        TimeoutConfig.checkPositive(baseEjection, "baseEjection");
        TimeoutConfig.checkPositive(maxEjection, "maxEjection");
        if (maxEjection.compareTo(baseEjection) < 0) {
            throw new IllegalArgumentException(
                    "maxEjection: " + maxEjection + " (expected: >= baseEjection " + baseEjection + ")");
        }
        Range.check("maxEjectedPercent", maxEjectedPercent, 0, 100);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static OutlierConfig ofDefaults() {
        return new OutlierConfig(
                ConfigDefaults.OUTLIER_CONSECUTIVE_FAILURES,
                ConfigDefaults.OUTLIER_BASE_EJECTION,
                ConfigDefaults.OUTLIER_MAX_EJECTION,
                ConfigDefaults.OUTLIER_MAX_EJECTED_PERCENT,
                ConfigDefaults.OUTLIER_UNEJECT_ON_PROBE_SUCCESS);
    }
}
