package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.regions.RoutingDecision.Reason;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decides where each request goes: rank the regions ({@link RegionSelector}), take the first one
 * with an available endpoint, pick the endpoint inside it ({@link EndpointSelector}); when no
 * region has an available endpoint, use the best-ranked region anyway (panic mode), because a
 * request that might succeed beats a certain error.
 *
 * <p>Immutable and safe to share across event loops; a change of configuration or weights builds
 * a new policy that is published whole.
 *
 * <pre>{@code
 * RoutingPolicy policy = RoutingPolicy.of(RoutingTable.build(config.regions()), HealthSignals.ALL_HEALTHY);
 * RoutingDecision decision = policy.decide(new RoutingRequest(clientAddress, config.routeFor(path)));
 * }</pre>
 */
public final class RoutingPolicy {

    private final RoutingTable table;
    private final RegionSelector regionSelector;
    private final EndpointSelector endpointSelector;
    private final HealthSignals health;

    public RoutingPolicy(
            RoutingTable table, RegionSelector regionSelector, EndpointSelector endpointSelector, HealthSignals health) {
        this.table = requireNonNull(table, "table");
        this.regionSelector = requireNonNull(regionSelector, "regionSelector");
        this.endpointSelector = requireNonNull(endpointSelector, "endpointSelector");
        this.health = requireNonNull(health, "health");
    }

    /** Regions in configuration order, endpoints by power of two choices. */
    public static RoutingPolicy of(RoutingTable table, HealthSignals health) {
        return new RoutingPolicy(table, RegionSelector.CONFIG_ORDER, EndpointSelector.LEAST_OUTSTANDING_OF_TWO, health);
    }

    public RoutingTable table() {
        return table;
    }

    /** Where {@code request} goes; {@code null} only when no region has any endpoint at all. */
    public @Nullable RoutingDecision decide(RoutingRequest request) {
        List<Region> ranked = regionSelector.rank(request, table);
        for (int i = 0; i < ranked.size(); i++) {
            Region region = ranked.get(i);
            Endpoint endpoint = endpointSelector.pick(region, health);
            if (endpoint != null) {
                return new RoutingDecision(region, endpoint, i == 0 ? Reason.CONFIG_ORDER : Reason.FAILOVER);
            }
        }
        if (ranked.isEmpty() || ranked.get(0).endpoints().isEmpty()) {
            return null;
        }
        Region best = ranked.get(0);
        Endpoint endpoint = EndpointSelector.LEAST_OUTSTANDING_OF_TWO.pick(best, HealthSignals.ALL_HEALTHY);
        return endpoint == null ? null : new RoutingDecision(best, endpoint, Reason.PANIC);
    }
}
