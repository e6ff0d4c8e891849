package dev.meridian.config;


/**
 * A route's retry policy. Attempts are bounded per request here and across requests by
 * {@link RetriesConfig}'s budget. Requests that were never sent (connect refused or timed out, no
 * connection available) are always retryable; once sent, a POST or PATCH may have had an effect,
 * so it is retried only on routes whose requests have none ({@code nonIdempotent: true}, e.g.
 * completions, where a second answer costs tokens but changes nothing).
 *
 * <p>{@code rescue} re-sends an attempt that is still waiting for its first response byte when
 * its endpoint or region is declared down (probes, ejection, breaker, stall), instead of letting
 * it wait for the first-byte timeout: under the same rules as a retry (repeatable, body in the
 * replay buffer, {@code maxAttempts}, the budget).
 *
 * @param maxAttempts attempts per request, the first included, 1..10; 1 = no retries
 * @param nonIdempotent whether a sent POST or PATCH may be sent again after a retryable failure
 * @param rescue whether attempts stuck on an endpoint or region declared down are re-sent elsewhere at once
 */
public record RetryConfig(int maxAttempts, boolean nonIdempotent, boolean rescue) {

    /** Most attempts per request: more only adds load while the client waits. */
    public static final int MAX_ATTEMPTS = 10;

    public RetryConfig {
        Range.check("maxAttempts", maxAttempts, 1, MAX_ATTEMPTS);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static RetryConfig ofDefaults() {
        return new RetryConfig(ConfigDefaults.RETRY_MAX_ATTEMPTS, ConfigDefaults.RETRY_NON_IDEMPOTENT, ConfigDefaults.RETRY_RESCUE);
    }

    public RetryConfig withMaxAttempts(int maxAttempts) {
        return new RetryConfig(maxAttempts, nonIdempotent, rescue);
    }

    public RetryConfig withNonIdempotent(boolean nonIdempotent) {
        return new RetryConfig(maxAttempts, nonIdempotent, rescue);
    }

    public RetryConfig withRescue(boolean rescue) {
        return new RetryConfig(maxAttempts, nonIdempotent, rescue);
    }
}
