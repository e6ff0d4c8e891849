package dev.meridian.regions;

import org.jspecify.annotations.Nullable;

/**
 * One region as the routing policy saw it for one client: the numbers behind the decision.
 *
 * @param region the region's name
 * @param rank 0 for the best-ranked region
 * @param level the priority level: regions in one level are within {@code routing.tie-band} of
 *     each other and share traffic by weight; a level only gets what the levels before it spill
 * @param distanceKm great-circle distance from the client, or {@code null} when either location is unknown
 * @param latencyMs measured router-to-region latency, or {@code null} when not measured
 * @param costMs the estimated cost the ranking sorts by, or {@code null} when ranked by configuration order
 * @param weight the region's weight (0 drains it)
 * @param dial the region's traffic dial in percent (100: nobody turned it down); its share is already scaled by it
 * @param endpoints the region's endpoints
 * @param availableEndpoints endpoints healthy and not ejected
 * @param available whether the region can take new requests (a region dialled to 0 can)
 * @param share the fraction of this client's requests the region gets (0..1)
 */
public record RegionCandidate(
        String region,
        int rank,
        int level,
        @Nullable Double distanceKm,
        @Nullable Double latencyMs,
        @Nullable Double costMs,
        int weight,
        int dial,
        int endpoints,
        int availableEndpoints,
        boolean available,
        double share) {}
