package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What SREs (and the SLO controller, through the admin layer) changed on top of the
 * configuration: region weights, drains and traffic dials, keyed by region name. Immutable; the
 * admin API persists it and the routing policy applies it. A drained region keeps its weight for
 * when it is undrained.
 *
 * @param weights weight overrides (0..1000) by region name
 * @param drained the regions drained: no new requests, in-flight ones finish
 * @param dials traffic dials by region name; a region without one keeps {@link RegionDial#DEFAULT}
 */
public record RegionOverrides(Map<String, Integer> weights, Set<String> drained, Map<String, RegionDial> dials) {

    /** No overrides: the configuration as written. */
    public static final RegionOverrides NONE = new RegionOverrides(Map.of(), Set.of(), Map.of());

    public RegionOverrides {
        weights = Map.copyOf(requireNonNull(weights, "weights"));
        drained = Set.copyOf(requireNonNull(drained, "drained"));
        dials = Map.copyOf(requireNonNull(dials, "dials"));
        weights.forEach((region, weight) -> RegionConfig.checkWeight(weight));
    }

    /** Weights and drains without dials. */
    public RegionOverrides(Map<String, Integer> weights, Set<String> drained) {
        this(weights, drained, Map.of());
    }

    /** A copy with {@code region}'s weight set to {@code weight} (0..1000). */
    public RegionOverrides withWeight(String region, int weight) {
        RegionConfig.checkWeight(weight);
        Map<String, Integer> next = new HashMap<>(weights);
        next.put(requireNonNull(region, "region"), weight);
        return new RegionOverrides(next, drained, dials);
    }

    /** A copy with {@code region} drained or undrained. */
    public RegionOverrides withDrained(String region, boolean drain) {
        Set<String> next = new HashSet<>(drained);
        if (drain) {
            next.add(requireNonNull(region, "region"));
        } else {
            next.remove(region);
        }
        return new RegionOverrides(weights, next, dials);
    }

    /** A copy with {@code region}'s dial set to {@code dial}. */
    public RegionOverrides withDial(String region, RegionDial dial) {
        Map<String, RegionDial> next = new HashMap<>(dials);
        next.put(requireNonNull(region, "region"), requireNonNull(dial, "dial"));
        return new RegionOverrides(weights, drained, next);
    }

    /** {@code region}'s dial: the one set, else {@link RegionDial#DEFAULT}. */
    public RegionDial dial(String region) {
        return dials.getOrDefault(region, RegionDial.DEFAULT);
    }

    /** A copy without the overrides of regions not in {@code names} (after a reload removed them). */
    public RegionOverrides retainRegions(Collection<String> names) {
        Map<String, Integer> keptWeights = new HashMap<>(weights);
        keptWeights.keySet().retainAll(names);
        Set<String> keptDrains = new HashSet<>(drained);
        keptDrains.retainAll(names);
        Map<String, RegionDial> keptDials = new HashMap<>(dials);
        keptDials.keySet().retainAll(names);
        return new RegionOverrides(keptWeights, keptDrains, keptDials);
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
