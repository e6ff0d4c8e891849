package dev.meridian.health;

/**
 * The state of a region's circuit breaker, as reported (Resilience4j's own type stays an
 * implementation detail, so that the admin API and the router do not depend on it).
 */
public enum BreakerState {
    /** Requests flow; the failure and slow-call rates over the window are watched. */
    CLOSED,
    /** The region takes no new requests until {@code open-duration} has passed. */
    OPEN,
    /** The region takes requests again; the next {@code half-open-calls} outcomes close or re-open the breaker. */
    HALF_OPEN
}
