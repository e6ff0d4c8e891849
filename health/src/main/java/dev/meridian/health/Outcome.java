package dev.meridian.health;

/**
 * The outcome of one upstream attempt, as the data path reports it to
 * {@link HealthRegistry#record}. The categories exist because only some failures are the
 * endpoint's fault: a client that goes away, a 401 for a bad token or a provider's 429 say
 * nothing about whether the replica works, and counting them would eject healthy replicas.
 */
public enum Outcome {

    /**
     * The endpoint answered, with any status not listed below (2xx, 3xx, and 5xx other than
     * 502, 503 and 504: an application error is not a routing problem). Resets the endpoint's
     * consecutive failures; a success for the region's breaker (a slow one when it took longer
     * than {@code slow-call-duration}).
     */
    SUCCESS,

    /**
     * Connect refused or reset, the connection closed or reset before the response headers, or
     * 502, 503 or 504. Counts towards outlier ejection; a failure for the region's breaker.
     */
    GATEWAY_FAILURE,

    /** A connect or first-byte timeout. Counted like {@link #GATEWAY_FAILURE}. */
    TIMEOUT,

    /**
     * HTTP 429: the region's provider is out of quota. Lowers the region's share until the
     * {@code Retry-After} has passed; neither counts nor resets failures, not seen by the breaker.
     */
    RATE_LIMITED,

    /** 4xx other than 429: the request's fault. Ignored by outlier detection and the breaker. */
    CLIENT_ERROR,

    /** The client went away, or a hedge lost the race. Ignored by outlier detection and the breaker. */
    CANCELLED
}
