package dev.meridian.config;

import java.time.Duration;

/**
 * What an upstream 429 does. A 429 means the region's model provider is out of quota, which is a
 * capacity signal and not ill health: the region keeps its endpoints and its breaker, but gets
 * only {@code capacity} of its normal share of traffic until the {@code Retry-After} it sent has
 * passed, so the rest goes to the next region instead of collecting more 429s.
 *
 * @param defaultRetryAfter how long a 429 without a usable {@code Retry-After} header throttles the region (positive)
 * @param capacity the fraction of its normal share a throttled region gets, more than 0 and at most 1
 */
public record RateLimitConfig(Duration defaultRetryAfter, double capacity) {

    public RateLimitConfig {
        TimeoutConfig.checkPositive(defaultRetryAfter, "defaultRetryAfter");
        if (!(capacity > 0 && capacity <= 1)) { // also refuses NaN
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: more than 0, at most 1)");
        }
    }

    /** Every value from {@link ConfigDefaults}. */
    public static RateLimitConfig ofDefaults() {
        return new RateLimitConfig(ConfigDefaults.RATE_LIMIT_DEFAULT_RETRY_AFTER, ConfigDefaults.RATE_LIMIT_CAPACITY);
    }

    public RateLimitConfig withDefaultRetryAfter(Duration defaultRetryAfter) {
        return new RateLimitConfig(defaultRetryAfter, capacity);
    }

    public RateLimitConfig withCapacity(double capacity) {
        return new RateLimitConfig(defaultRetryAfter, capacity);
    }
}
