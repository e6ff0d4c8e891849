package dev.meridian.router.internal;

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
 */
public final class RegionStalls {

    private final Map<String, RegionStall> byRegion;

    public RegionStalls(RoutingTable table, HealthRegistry health, StallConfig config, TimeToFirstByteTracker ttfb,
            LongSupplier nanoClock) {
        StallRule rule = new StallRule(config);
        long now = nanoClock.getAsLong();
        Map<String, RegionStall> map = new HashMap<>();
        for (Region region : table.regions()) {
            map.put(region.name(), new RegionStall(region, health, rule, ttfb, now));
        }
        this.byRegion = Map.copyOf(map);
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
