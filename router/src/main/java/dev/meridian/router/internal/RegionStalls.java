package dev.meridian.router.internal;

import dev.meridian.config.StallConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/** The {@link RegionStall} of every region of one configuration; immutable after construction. */
public final class RegionStalls {

    private final Map<Region, RegionStall> byRegion;

    public RegionStalls(RoutingTable table, HealthRegistry health, StallConfig config, TimeToFirstByteTracker ttfb,
            LongSupplier nanoClock) {
        StallRule rule = new StallRule(config);
        long now = nanoClock.getAsLong();
        Map<Region, RegionStall> map = new IdentityHashMap<>();
        for (Region region : table.regions()) {
            map.put(region, new RegionStall(region, health, rule, ttfb, now));
        }
        this.byRegion = map;
    }

    /** The stall state of {@code region}, a region of this configuration's table. */
    RegionStall of(Region region) {
        RegionStall stall = byRegion.get(region);
        if (stall == null) {
            throw new IllegalArgumentException("region: " + region.name() + " (expected: a region of this configuration)");
        }
        return stall;
    }
}
