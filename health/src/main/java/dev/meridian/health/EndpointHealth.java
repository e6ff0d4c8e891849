package dev.meridian.health;

import dev.meridian.regions.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one endpoint. The data path writes {@link #consecutiveFailures} from any
 * event loop; the probe fields are written only by the endpoint's own probe chain (one probe at a
 * time), and are volatile so that other threads read them safely.
 */
final class EndpointHealth {

    final Endpoint endpoint;
    final RegionHealth region;
    /** Slot in the region's {@link Ejections}: its position in the region unless DNS changed the endpoints (see {@code EndpointSlots}). */
    final int index;

    final AtomicInteger consecutiveFailures = new AtomicInteger();
    /**
     * Failures of the current run not yet shown to the region's breaker: while outlier detection
     * may still eject the endpoint for them they are the endpoint's, not the region's.
     */
    final AtomicInteger withheldFailures = new AtomicInteger();
    final AtomicLong ejections = new AtomicLong();

    volatile boolean up = true;
    /**
     * Its address left the DNS answer: no new requests, no more probes, outcomes of its requests
     * in flight ignored (see {@link HealthRegistry#update}).
     */
    volatile boolean retired;
    volatile int probeSuccesses;
    volatile int probeFailures;
    volatile @Nullable String lastProbeProblem;

    EndpointHealth(Endpoint endpoint, RegionHealth region, int index) {
        this.endpoint = endpoint;
        this.region = region;
        this.index = index;
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }
}
