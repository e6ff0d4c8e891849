package dev.meridian.regions;

/**
 * What the routing policy knows about the health of endpoints. The {@code health} module
 * implements it from active probes and passive outlier detection; until it is wired in, every
 * endpoint counts as healthy.
 *
 * <p>Implementations are called on event loops and must answer from memory, without blocking.
 */
@FunctionalInterface
public interface HealthSignals {

    /** Every endpoint is healthy. */
    HealthSignals ALL_HEALTHY = endpoint -> true;

    /** Whether the endpoint may receive new requests. */
    boolean isAvailable(Endpoint endpoint);
}
