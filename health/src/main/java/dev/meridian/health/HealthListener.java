package dev.meridian.health;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;

/**
 * Hears the moment an endpoint or a region stops taking new requests, so that the data path can
 * rescue the attempts still waiting there for a first byte instead of letting them run into their
 * timeouts (DESIGN.md, "Failure handling").
 *
 * <p>Called on the thread that noticed the change (a probe thread, or the event loop whose
 * outcome ejected an endpoint, opened a breaker or suspected a stall), at most once per
 * transition. An implementation must not block and must not call back into the registry on the
 * same stack in a way that records outcomes; handing the work to the event loops is the intent.
 */
public interface HealthListener {

    /** Hears nothing. */
    HealthListener NONE = new HealthListener() {
        @Override
        public void endpointDown(Endpoint endpoint, Cause cause) {}

        @Override
        public void regionDown(Region region, Cause cause) {}
    };

    /** Why an endpoint or region was declared down. */
    enum Cause {
        /** Active probes marked the endpoint down. */
        PROBES,
        /** Outlier detection ejected the endpoint. */
        EJECTED,
        /** The region's circuit breaker opened. */
        BREAKER_OPEN,
        /** The data path saw the region's attempts stall (see {@link HealthRegistry#suspect}). */
        STALLED
    }

    /** {@code endpoint} takes no new requests from now on. */
    void endpointDown(Endpoint endpoint, Cause cause);

    /** {@code region} takes no new requests from now on. */
    void regionDown(Region region, Cause cause);
}
