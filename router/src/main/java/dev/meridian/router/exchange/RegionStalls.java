package dev.meridian.router.exchange;

import dev.meridian.config.StallConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The {@link RegionStall} of every region of one configuration, by name; immutable after
 * construction. By name, not by {@link Region} object: a DNS answer swaps a region's object for one
 * with other endpoints, and the region's stall state carries over.
 *
 * <p>Stall detection only moves traffic when it has somewhere to go: a region is neither suspected
 * nor capped while no other region of the configuration can take requests (its breaker admits them
 * and one of its endpoints is available). Suspecting the last region would send its traffic to
 * panic routing, and capping it would turn slowness into errors; its requests are better off
 * waiting there, under their timeouts and the probes. Admin weights are not looked at here.
 */
public final class RegionStalls {

    private final Map<String, RegionStall> byRegion;
    private final RoutingTable table;
    private final HealthRegistry health;

    public RegionStalls(RoutingTable table, HealthRegistry health, StallConfig config, TimeToFirstByteTracker ttfb,
            LongSupplier nanoClock) {
        this.table = table;
        this.health = health;
        StallRule rule = new StallRule(config);
        long now = nanoClock.getAsLong();
        Map<String, RegionStall> map = new HashMap<>();
        for (Region region : table.regions()) {
            map.put(region.name(), new RegionStall(region, health, rule, ttfb, this, now));
        }
        this.byRegion = Map.copyOf(map);
    }

    /** Whether a region other than {@code region} can take requests now (by health). */
    boolean anotherRegionAvailable(Region region) {
        for (Region other : table.regions()) {
            if (!other.name().equals(region.name()) && health.canServe(other)) {
                return true;
            }
        }
        return false;
    }

    /** The stall state of {@code region}, a region of this configuration's table. */
    RegionStall of(Region region) {
        RegionStall stall = byRegion.get(region.name());
        if (stall == null) {
            throw new IllegalArgumentException("region: " + region.name() + " (expected: a region of this configuration)");
        }
        return stall;
    }
}
