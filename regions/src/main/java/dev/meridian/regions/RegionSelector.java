package dev.meridian.regions;

import java.util.List;

/**
 * Ranks the regions for one request, best first. The routing policy walks the ranking and takes
 * the first region that has an available endpoint.
 *
 * <p>Called on event loops for every request: implementations answer from precomputed,
 * immutable state.
 */
@FunctionalInterface
public interface RegionSelector {

    /** Ranks regions in configuration order: the placeholder until nearest-region routing. */
    RegionSelector CONFIG_ORDER = (request, table) -> table.regions();

    /** The candidate regions for {@code request}, best first; never empty while the table is not. */
    List<Region> rank(RoutingRequest request, RoutingTable table);
}
