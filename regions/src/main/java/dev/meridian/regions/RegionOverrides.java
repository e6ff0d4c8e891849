package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What SREs changed through the admin API on top of the configuration: region weights and
 * drains, keyed by region name. Immutable; the admin API persists it and the routing policy
 * applies it. A drained region keeps its weight for when it is undrained.
 *
 * @param weights weight overrides (0..1000) by region name
 * @param drained the regions drained: no new requests, in-flight ones finish
 */
public record RegionOverrides(Map<String, Integer> weights, Set<String> drained) {

    /** No overrides: the configuration as written. */
    public static final RegionOverrides NONE = new RegionOverrides(Map.of(), Set.of());

    public RegionOverrides {
        weights = Map.copyOf(requireNonNull(weights, "weights"));
        drained = Set.copyOf(requireNonNull(drained, "drained"));
        weights.forEach((region, weight) -> RegionConfig.checkWeight(weight));
    }

    /** A copy with {@code region}'s weight set to {@code weight} (0..1000). */
    public RegionOverrides withWeight(String region, int weight) {
        RegionConfig.checkWeight(weight);
        Map<String, Integer> next = new HashMap<>(weights);
        next.put(requireNonNull(region, "region"), weight);
        return new RegionOverrides(next, drained);
    }

    /** A copy with {@code region} drained or undrained. */
    public RegionOverrides withDrained(String region, boolean drain) {
        Set<String> next = new HashSet<>(drained);
        if (drain) {
            next.add(requireNonNull(region, "region"));
        } else {
            next.remove(region);
        }
        return new RegionOverrides(weights, next);
    }

    /** A copy without the overrides of regions not in {@code names} (after a reload removed them). */
    public RegionOverrides retainRegions(Collection<String> names) {
        Map<String, Integer> keptWeights = new HashMap<>(weights);
        keptWeights.keySet().retainAll(names);
        Set<String> keptDrains = new HashSet<>(drained);
        keptDrains.retainAll(names);
        return new RegionOverrides(keptWeights, keptDrains);
    }

    /** The weight routing uses for {@code region}: 0 when drained, else the override, else the configured weight. */
    public int effectiveWeight(RegionConfig region) {
        if (drained.contains(region.name())) {
            return 0;
        }
        Integer weight = weights.get(region.name());
        return weight != null ? weight : region.weight();
    }

    /** Whether {@code region} is drained. */
    public boolean isDrained(String region) {
        return drained.contains(region);
    }
}
