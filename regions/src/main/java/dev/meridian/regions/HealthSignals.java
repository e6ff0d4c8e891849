package dev.meridian.regions;

/**
 * What the routing policy knows about the health of regions and endpoints. The {@code health}
 * module implements it ({@code HealthRegistry}) from active probes, passive outlier detection,
 * circuit breakers and 429 throttles; {@link #ALL_HEALTHY} serves where no health is tracked
 * ({@code meridian explain}, benchmarks, tests).
 *
 * <p>Implementations are called on event loops and must answer from memory, without blocking.
 * The policy caches its per-location plans and recomputes them when {@link #version()} changes,
 * so an implementation must change the version whenever any of its answers may have changed.
 */
@FunctionalInterface
public interface HealthSignals {

    /** Every endpoint is available, no breaker is open, no latency is known. */
    HealthSignals ALL_HEALTHY = endpoint -> true;

    /** Whether the endpoint may receive new requests (healthy and not ejected). */
    boolean isAvailable(Endpoint endpoint);

    /** Whether the region's circuit breaker lets requests through. */
    default boolean admits(Region region) {
        return true;
    }

    /** How many of the region's endpoints {@linkplain #isAvailable(Endpoint) are available}. */
    default int availableEndpoints(Region region) {
        int available = 0;
        for (Endpoint endpoint : region.endpoints()) {
            if (isAvailable(endpoint)) {
                available++;
            }
        }
        return available;
    }

    /**
     * Whether the region can serve by health alone, its admin weight aside: its breaker
     * {@linkplain #admits admits} calls and at least one of its endpoints is available.
     */
    default boolean canServe(Region region) {
        if (!admits(region)) {
            return false;
        }
        for (Endpoint endpoint : region.endpoints()) {
            if (isAvailable(endpoint)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The one rule of "region is available" (routing, the {@code meridian_region_available} gauge,
     * readiness and the admin API all ask here): its effective weight is above 0 (active, not
     * drained, not weighted to 0) and it {@linkplain #canServe can serve}.
     *
     * @param effectiveWeight the weight after admin overrides ({@code RegionOverrides.effectiveWeight})
     */
    default boolean isAvailable(Region region, int effectiveWeight) {
        return effectiveWeight > 0 && canServe(region);
    }

    /** The measured router-to-region round-trip time in nanoseconds (probe RTT EWMA), or -1 when unknown. */
    default long latencyNanos(Region region) {
        return -1;
    }

    /**
     * The fraction (0..1] of its normal share the region should get: below 1 while the region's
     * upstream signals it is out of capacity (HTTP 429 with Retry-After), which is not ill health.
     */
    default double capacity(Region region) {
        return 1.0;
    }

    /** Changes whenever any answer above may have changed. */
    default long version() {
        return 0;
    }
}
