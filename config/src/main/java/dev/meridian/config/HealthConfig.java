package dev.meridian.config;

import static java.util.Objects.requireNonNull;

/**
 * How the health of endpoints and regions is judged (see "Failure handling" in DESIGN.md). Five
 * independent signals, because each catches what the others miss: probes find dead replicas
 * without traffic, outlier ejection finds broken ones from real traffic within a few requests,
 * the breaker takes a whole failing region out, stall detection suspects a region that stopped
 * answering faster than probes can tell, and 429s lower a region's share without calling it
 * unhealthy.
 *
 * <pre>{@code
 * HealthConfig health = HealthConfig.ofDefaults().withProbe(ProbeConfig.ofDefaults().withEnabled(false));
 * }</pre>
 */
public record HealthConfig(ProbeConfig probe, OutlierConfig outlier, BreakerConfig breaker, StallConfig stall,
        RateLimitConfig rateLimit) {

    public HealthConfig {
        requireNonNull(probe, "probe");
        requireNonNull(outlier, "outlier");
        requireNonNull(breaker, "breaker");
        requireNonNull(stall, "stall");
        requireNonNull(rateLimit, "rateLimit");
    }

    /** Every value from {@link ConfigDefaults}. */
    public static HealthConfig ofDefaults() {
        return new HealthConfig(ProbeConfig.ofDefaults(), OutlierConfig.ofDefaults(), BreakerConfig.ofDefaults(),
                StallConfig.ofDefaults(), RateLimitConfig.ofDefaults());
    }

    public HealthConfig withProbe(ProbeConfig probe) {
        return new HealthConfig(probe, outlier, breaker, stall, rateLimit);
    }

    public HealthConfig withOutlier(OutlierConfig outlier) {
        return new HealthConfig(probe, outlier, breaker, stall, rateLimit);
    }

    public HealthConfig withBreaker(BreakerConfig breaker) {
        return new HealthConfig(probe, outlier, breaker, stall, rateLimit);
    }

    public HealthConfig withRateLimit(RateLimitConfig rateLimit) {
        return new HealthConfig(probe, outlier, breaker, stall, rateLimit);
    }
}
