package dev.meridian.regions;

import dev.meridian.config.RoutingConfig;
import dev.meridian.config.RoutingMode;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The routing policy's answer for one client location under one state of the inputs
 * (configuration, weights, health): every region ranked, grouped into priority levels, with the
 * share of traffic each receives. Computed once and cached; a request only draws from it.
 *
 * <p>Shares follow Envoy's priority semantics. A level's health is
 * {@code min(1, spillFactor × Σ(weight × availableFraction) / Σ weight)} over its regions; level
 * 0 takes that much of the traffic, the next level takes what is left up to its own health, and
 * so on; when the levels together are less than fully healthy the shares are scaled up to sum to
 * 1. Inside a level, regions share by {@code weight × min(1, spillFactor × availableFraction)}.
 * A region with half its endpoints available, alone in its level, thus keeps 70% of its traffic
 * with the default factor 1.4 and spills 30% to the next level.
 *
 * <p>A region's {@link RegionDial} multiplies what it keeps: at dial 50 the same region keeps 35%.
 * A dial is not a drain: when every region that can take requests is dialled to 0, they share the
 * traffic as if undialled rather than leaving it to panic routing.
 */
final class RoutingPlan {

    enum Basis {
        GEO("geo"),
        LATENCY("latency"),
        CONFIG_ORDER("config_order");

        final String label;

        Basis(String label) {
            this.label = label;
        }
    }

    final long healthVersion;
    /** Until when this plan keeps a ranking the hysteresis period holds, or {@link RankingHistory#NOT_HELD}. */
    final long heldUntil;
    final Basis basis;
    /** Regions best first. */
    final Region[] ranked;
    final int[] level;
    final double[] distanceKm;
    final double[] latencyMs;
    final double[] costMs;
    final int[] availableEndpoints;
    /** The weight in force: configured, or the admin override; 0 when drained. */
    final int[] weight;
    /** The dial in force (0..1), 1 for a region nobody dialled. */
    final double[] dial;
    /** min(1, spillFactor × available fraction) × capacity, 0 when the region cannot take requests. */
    final double[] reachable;
    /** What the region keeps of its traffic: {@link #reachable} × {@link #dial} (or without the dial, see the class). */
    final double[] keep;
    final double[] share;
    final double[] cumulative;
    final boolean panic;
    /** Regions of level 0 with a share: more than one means a weighted split. */
    final int sharingInFirstLevel;

    private RoutingPlan(
            long healthVersion,
            long heldUntil,
            Basis basis,
            Region[] ranked,
            int[] level,
            double[] distanceKm,
            double[] latencyMs,
            double[] costMs,
            int[] availableEndpoints,
            int[] weight,
            double[] dial,
            double[] reachable,
            double[] keep,
            double[] share) {
        this.healthVersion = healthVersion;
        this.heldUntil = heldUntil;
        this.basis = basis;
        this.ranked = ranked;
        this.level = level;
        this.distanceKm = distanceKm;
        this.latencyMs = latencyMs;
        this.costMs = costMs;
        this.availableEndpoints = availableEndpoints;
        this.weight = weight;
        this.dial = dial;
        this.reachable = reachable;
        this.keep = keep;
        this.share = share;
        this.cumulative = new double[share.length];
        double sum = 0;
        int sharing = 0;
        for (int i = 0; i < share.length; i++) {
            sum += share[i];
            cumulative[i] = sum;
            if (level[i] == 0 && share[i] > 0) {
                sharing++;
            }
        }
        this.panic = sum == 0;
        this.sharingInFirstLevel = sharing;
    }

    /**
     * Computes the plan for a client at {@code location} (or unknown).
     *
     * @param latchedLatencyMs per region (configuration order) the measured latency to rank by, NaN when unknown
     * @param heldUntil until when this ranking is held by the hysteresis period, or {@link RankingHistory#NOT_HELD}
     */
    static RoutingPlan compute(
            RoutingTable table,
            RoutingConfig routing,
            HealthSignals health,
            RegionOverrides overrides,
            @Nullable ClientLocation location,
            double[] latchedLatencyMs,
            long heldUntil) {
        long version = health.version();
        List<Region> regions = table.regions();
        int n = regions.size();
        double[] distance = new double[n];
        double[] cost = new double[n];
        boolean anyDistance = false;
        boolean anyLatency = false;
        for (int i = 0; i < n; i++) {
            Region region = regions.get(i);
            var point = region.config().location();
            distance[i] = location != null && point != null
                    ? GreatCircle.distanceKm(location.lat(), location.lon(), point.lat(), point.lon())
                    : Double.NaN;
            anyDistance |= !Double.isNaN(distance[i]);
            anyLatency |= !Double.isNaN(latchedLatencyMs[i]);
        }
        Basis basis = anyDistance ? Basis.GEO : anyLatency ? Basis.LATENCY : Basis.CONFIG_ORDER;
        boolean addLatency = routing.mode() == RoutingMode.LATENCY_AWARE;
        for (int i = 0; i < n; i++) {
            double latency = latchedLatencyMs[i];
            switch (basis) {
                case GEO:
                    if (Double.isNaN(distance[i])) {
                        cost[i] = Double.NaN;
                    } else {
                        cost[i] = distance[i] * GreatCircle.RTT_MS_PER_KM
                                + (addLatency && !Double.isNaN(latency) ? latency : 0);
                    }
                    break;
                case LATENCY:
                    cost[i] = latency;
                    break;
                default:
                    cost[i] = Double.NaN;
            }
        }

        // Rank: known costs ascending, then unknown ones in configuration order (stable sort).
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            boolean ua = Double.isNaN(cost[a]);
            boolean ub = Double.isNaN(cost[b]);
            if (ua != ub) {
                return ua ? 1 : -1;
            }
            return ua ? Integer.compare(a, b) : Double.compare(cost[a], cost[b]);
        });

        double band = routing.tieBand().toNanos() / 1e6;
        double factor = routing.spillFactor();
        Region[] ranked = new Region[n];
        int[] level = new int[n];
        double[] rankedDistance = new double[n];
        double[] rankedLatency = new double[n];
        double[] rankedCost = new double[n];
        int[] available = new int[n];
        int[] weight = new int[n];
        double[] dial = new double[n];
        double[] reachable = new double[n];
        double[] keep = new double[n];
        boolean anyReachable = false;
        int currentLevel = -1;
        double levelBest = Double.NaN;
        for (int r = 0; r < n; r++) {
            int i = order[r];
            Region region = regions.get(i);
            ranked[r] = region;
            rankedDistance[r] = distance[i];
            rankedLatency[r] = latchedLatencyMs[i];
            rankedCost[r] = cost[i];
            if (r == 0 || Double.isNaN(cost[i]) || Double.isNaN(levelBest) || cost[i] - levelBest > band) {
                currentLevel++;
                levelBest = cost[i];
            }
            level[r] = currentLevel;
            int up = health.availableEndpoints(region);
            available[r] = up;
            weight[r] = overrides.effectiveWeight(region.config());
            boolean takesTraffic = health.isAvailable(region, weight[r]);
            double capacity = Math.max(0, Math.min(1.0, health.capacity(region)));
            reachable[r] = takesTraffic ? Math.min(1.0, factor * up / region.endpoints().size()) * capacity : 0;
            anyReachable |= reachable[r] > 0;
            dial[r] = overrides.dial(region.name()).ratio();
            keep[r] = reachable[r] * dial[r];
        }

        double[] share = shares(level, weight, keep);
        if (anyReachable && Arrays.stream(share).sum() == 0) {
            // Only regions dialled to 0 can take requests: a dial is not a drain, they share as if undialled.
            keep = reachable.clone();
            share = shares(level, weight, keep);
        }
        return new RoutingPlan(version, heldUntil, basis, ranked, level, rankedDistance, rankedLatency, rankedCost,
                available, weight, dial, reachable, keep, share);
    }

    /**
     * Each ranked region's share: level by level, each level takes what is left up to its health
     * {@code Σ(weight × keep) / Σ weight}, split inside the level by {@code weight × keep}; scaled
     * up to sum to 1 when the levels together take less. All 0 when no region keeps anything.
     */
    private static double[] shares(int[] level, int[] weight, double[] keep) {
        int n = level.length;
        double[] share = new double[n];
        double remaining = 1.0;
        int start = 0;
        while (start < n) {
            int end = start;
            while (end < n && level[end] == level[start]) {
                end++;
            }
            double weights = 0;
            double effective = 0;
            for (int r = start; r < end; r++) {
                weights += weight[r];
                effective += weight[r] * keep[r];
            }
            double levelHealth = weights > 0 ? Math.min(1.0, effective / weights) : 0;
            double take = Math.min(remaining, levelHealth);
            if (take > 0 && effective > 0) {
                for (int r = start; r < end; r++) {
                    share[r] = take * weight[r] * keep[r] / effective;
                }
                remaining -= take;
            }
            start = end;
        }
        double total = 1.0 - remaining;
        if (total > 0 && total < 1.0) {
            for (int r = 0; r < n; r++) {
                share[r] /= total;
            }
        }
        return share;
    }

    /** The name of the region ranked first (by cost, whatever its health), or "" without regions. */
    String firstRanked() {
        return ranked.length == 0 ? "" : ranked[0].name();
    }

    /** The ranked index drawn for {@code u} in [0, 1), or -1 in panic. */
    int draw(double u) {
        if (panic) {
            return -1;
        }
        double target = u * cumulative[cumulative.length - 1];
        for (int i = 0; i < cumulative.length; i++) {
            if (share[i] > 0 && target < cumulative[i]) {
                return i;
            }
        }
        for (int i = cumulative.length - 1; i >= 0; i--) {
            if (share[i] > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The ranked index for a sticky tenant: weighted rendezvous hashing among the regions of the
     * first level that can take traffic, so each tenant has one home region and removing a region
     * moves only that region's tenants. A region that is only partly available keeps the tenants
     * whose spill draw falls within its kept fraction; the others, and all tenants of a region
     * that cannot take traffic, go to the next level's pick. -1 in panic.
     */
    int stickyPick(long tenantHash) {
        if (panic) {
            return -1;
        }
        double spillDraw = RendezvousHash.unit(tenantHash, RendezvousHash.SPILL_SEED);
        int n = ranked.length;
        int start = 0;
        int fallback = -1;
        while (start < n) {
            int end = start;
            while (end < n && level[end] == level[start]) {
                end++;
            }
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int r = start; r < end; r++) {
                if (keep[r] <= 0) {
                    continue;
                }
                double score = RendezvousHash.score(tenantHash, ranked[r].name(), weight[r]);
                if (score > bestScore) {
                    bestScore = score;
                    best = r;
                }
            }
            if (best >= 0) {
                if (spillDraw < keep[best]) {
                    return best;
                }
                if (fallback < 0) {
                    fallback = best;
                }
            }
            start = end;
        }
        return fallback;
    }
}
