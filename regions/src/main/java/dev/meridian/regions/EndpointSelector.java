package dev.meridian.regions;

import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Picks the endpoint inside a region that receives a request.
 *
 * <p>Called on event loops for every request: no locks, no shared counters written per call.
 */
@FunctionalInterface
public interface EndpointSelector {

    /**
     * Power of two choices: two random available endpoints, the one with the lower
     * {@link Endpoint#loadScore()} (peak-EWMA time to first byte times requests in flight) wins.
     * It needs no shared counter, and a replica that turns slow or busy gets less traffic at once
     * without a herd moving to the single best one.
     */
    EndpointSelector POWER_OF_TWO_CHOICES = (region, health) -> {
        var endpoints = region.endpoints();
        int size = endpoints.size();
        if (size == 0) {
            return null; // a named endpoint whose name answers no address
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Endpoint first = null;
        Endpoint second = null;
        // Bounded random probing, then a scan: cheap while most endpoints are available, exact when few are.
        for (int attempt = 0; attempt < 4 && second == null; attempt++) {
            Endpoint candidate = endpoints.get(random.nextInt(size));
            if (!health.isAvailable(candidate)) {
                continue;
            }
            if (first == null) {
                first = candidate;
            } else if (candidate != first || size == 1) {
                second = candidate;
            }
        }
        if (first == null) {
            int start = random.nextInt(size);
            for (int i = 0; i < size && first == null; i++) {
                Endpoint candidate = endpoints.get((start + i) % size);
                if (health.isAvailable(candidate)) {
                    first = candidate;
                }
            }
            return first;
        }
        if (second == null) {
            return first;
        }
        return second.loadScore() < first.loadScore() ? second : first;
    };

    /** An available endpoint of {@code region}, or {@code null} when it has none. */
    @Nullable Endpoint pick(Region region, HealthSignals health);
}
