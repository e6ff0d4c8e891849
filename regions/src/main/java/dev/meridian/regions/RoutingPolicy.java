package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.meridian.config.PanicMode;
import dev.meridian.config.RoutingConfig;
import dev.meridian.regions.RoutingDecision.Reason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides where each request goes (DESIGN.md, "Routing policy"): rank the regions for the
 * client's location (great-circle distance; else measured latency; else configuration order),
 * share traffic by weight among regions within the tie band of the best, spill from partly
 * healthy regions to the next ones, pin sticky tenants by rendezvous hashing, fall back to panic
 * routing when nothing is available, and pick the endpoint inside the region by power of two
 * choices over peak-EWMA time to first byte.
 *
 * <p>The expensive part, ranking and shares, is a {@link RoutingPlan} computed once per client
 * location (quantised to 0.1°, about 11 km) and per state of the inputs, and cached; a request
 * costs a cache hit, one random draw and the endpoint pick. The policy is safe to share across
 * event loops; a change of configuration or weights builds a new one, and a change of health is
 * seen through {@link HealthSignals#version()}.
 *
 * <p>Measured latency moves a location's ranking only by more than {@code routing.hysteresis},
 * and changes the region ranked first at most once per {@code routing.hysteresis-period}
 * ({@link RankingHistory}): a gray failure moves the traffic away at once, and back once, without
 * flapping in between.
 *
 * <pre>{@code
 * RoutingPolicy policy = RoutingPolicy.create(RoutingTable.build(config.regions()), config.routing(), health);
 * RoutingDecision decision = policy.decide(new RoutingRequest(client, location, route, tenant));
 * }</pre>
 */
public final class RoutingPolicy {

    private static final long NO_LOCATION = Long.MIN_VALUE;
    private static final int MAX_CACHED_PLANS = 16_384;

    private final RoutingTable table;
    private final RoutingConfig routing;
    private final HealthSignals health;
    private final EndpointSelector endpointSelector;
    private final RegionOverrides overrides;
    private final Cache<Long, RoutingPlan> plans;
    /** Per region (configuration order): the latency the ranking uses, in ns, or -1; moves only past the hysteresis. */
    private final AtomicLongArray latchedLatencyNanos;
    private final RankingHistory rankings;
    private final LongSupplier nanoClock;

    private RoutingPolicy(RoutingTable table, RoutingConfig routing, HealthSignals health,
            EndpointSelector endpointSelector, RegionOverrides overrides, @Nullable AtomicLongArray latched,
            @Nullable RankingHistory rankings, LongSupplier nanoClock) {
        this.table = requireNonNull(table, "table");
        this.overrides = requireNonNull(overrides, "overrides");
        this.routing = requireNonNull(routing, "routing");
        this.health = requireNonNull(health, "health");
        this.endpointSelector = requireNonNull(endpointSelector, "endpointSelector");
        this.plans = Caffeine.newBuilder().maximumSize(MAX_CACHED_PLANS).executor(Runnable::run).build();
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.rankings = rankings != null ? rankings : new RankingHistory(routing.hysteresisPeriod().toNanos());
        if (latched != null) {
            this.latchedLatencyNanos = latched;
        } else {
            this.latchedLatencyNanos = new AtomicLongArray(table.regions().size());
            for (int i = 0; i < table.regions().size(); i++) {
                latchedLatencyNanos.set(i, -1);
            }
        }
    }

    /** The policy over {@code table} with {@code routing}'s settings. */
    public static RoutingPolicy create(RoutingTable table, RoutingConfig routing, HealthSignals health) {
        return create(table, routing, health, RegionOverrides.NONE);
    }

    /** The policy with admin overrides (weights, drains) on top of the configuration. */
    public static RoutingPolicy create(
            RoutingTable table, RoutingConfig routing, HealthSignals health, RegionOverrides overrides) {
        return create(table, routing, health, overrides, System::nanoTime);
    }

    /**
     * The policy with admin overrides, on {@code nanoClock} (the clock of the hysteresis period;
     * monotonic nanoseconds like {@link System#nanoTime()}).
     */
    public static RoutingPolicy create(RoutingTable table, RoutingConfig routing, HealthSignals health,
            RegionOverrides overrides, LongSupplier nanoClock) {
        return new RoutingPolicy(table, routing, health, EndpointSelector.POWER_OF_TWO_CHOICES, overrides, null, null,
                nanoClock);
    }

    /**
     * The same regions, settings and health with other overrides: a new, empty plan cache; the
     * latencies the ranking latched and the ranking history carry over, so hysteresis is not reset.
     */
    public RoutingPolicy withOverrides(RegionOverrides next) {
        return new RoutingPolicy(table, routing, health, endpointSelector, next, latchedLatencyNanos, rankings, nanoClock);
    }

    /**
     * The same settings, health and overrides over {@code next}, a table with the same regions in
     * the same order whose endpoints changed (a DNS answer): a new, empty plan cache; the latencies
     * the ranking latched and the ranking history carry over.
     *
     * @throws IllegalArgumentException when {@code next} has other regions
     */
    public RoutingPolicy withTable(RoutingTable next) {
        requireNonNull(next, "next");
        List<Region> now = table.regions();
        List<Region> then = next.regions();
        boolean same = now.size() == then.size();
        for (int i = 0; same && i < now.size(); i++) {
            same = now.get(i).name().equals(then.get(i).name());
        }
        if (!same) {
            throw new IllegalArgumentException("withTable: the regions differ (" + now + " vs " + then + "); build a new policy");
        }
        return new RoutingPolicy(next, routing, health, endpointSelector, overrides, latchedLatencyNanos, rankings, nanoClock);
    }

    /**
     * Whether {@code region} can take new requests now, by {@link HealthSignals#isAvailable(Region, int)}
     * with its weight under this policy's overrides.
     */
    public boolean isAvailable(Region region) {
        return health.isAvailable(region, overrides.effectiveWeight(region.config()));
    }

    public RegionOverrides overrides() {
        return overrides;
    }

    /**
     * The expected share of each region (by name, every region present) for requests like
     * {@code request}: the plan's shares, or for a sticky tenant 1 for its region. Sums to 1
     * unless the request would be rejected.
     */
    public Map<String, Double> shares(RoutingRequest request) {
        RoutingPlan plan = planFor(request.location());
        Map<String, Double> shares = new LinkedHashMap<>();
        for (Region region : table.regions()) {
            shares.put(region.name(), 0.0);
        }
        if (plan.panic) {
            RoutingDecision panic = panicDecision(plan);
            if (panic != null) {
                shares.put(panic.region().name(), 1.0);
            }
            return shares;
        }
        String tenant = request.tenant();
        if (tenant != null) {
            shares.put(plan.ranked[plan.stickyPick(RendezvousHash.hash(tenant))].name(), 1.0);
            return shares;
        }
        for (int r = 0; r < plan.ranked.length; r++) {
            shares.put(plan.ranked[r].name(), plan.share[r]);
        }
        return shares;
    }

    /** The policy with default routing settings. */
    public static RoutingPolicy of(RoutingTable table, HealthSignals health) {
        return create(table, RoutingConfig.ofDefaults(), health);
    }

    public RoutingTable table() {
        return table;
    }

    public RoutingConfig routing() {
        return routing;
    }

    /**
     * Where {@code request} goes; {@code null} when no region is available and
     * {@code routing.panic} is {@code reject} (or no region has any endpoint at all).
     */
    public @Nullable RoutingDecision decide(RoutingRequest request) {
        RoutingPlan plan = planFor(request.location());
        if (plan.panic) {
            return panicDecision(plan);
        }
        int pick;
        Reason reason;
        String tenant = request.tenant();
        if (tenant != null) {
            pick = plan.stickyPick(RendezvousHash.hash(tenant));
            reason = plan.level[pick] == 0 ? Reason.STICKY : Reason.FAILOVER;
        } else {
            pick = plan.draw(ThreadLocalRandom.current().nextDouble());
            reason = reasonFor(plan, pick);
        }
        Region region = plan.ranked[pick];
        Endpoint endpoint = endpointSelector.pick(region, health);
        if (endpoint == null) {
            // Health changed since the plan was made; the plan is recomputed on the next request.
            endpoint = EndpointSelector.POWER_OF_TWO_CHOICES.pick(region, HealthSignals.ALL_HEALTHY);
            if (endpoint == null) {
                return null;
            }
        }
        return new RoutingDecision(region, endpoint, reason);
    }

    /**
     * Where to retry {@code request} after attempts to the endpoints in {@code tried} failed: the
     * best-ranked available region other than the last one tried (a region that just failed is
     * likelier to fail again than a replica elsewhere), else another endpoint of that same region;
     * never an endpoint already tried. {@code null} when nothing is left.
     */
    public @Nullable RoutingDecision decideRetry(RoutingRequest request, List<Endpoint> tried) {
        return decideRetry(request, tried, List.of());
    }

    /**
     * Where the next attempt of {@code request} goes: never to an endpoint in {@code tried}, never
     * to a region in {@code failedRegions} (the regions this request already saw fail), and
     * preferably not to the region of the last endpoint tried: the best-ranked available region
     * outside both, else another endpoint of the last region tried when it did not fail (a hedge
     * next to a slow attempt), else a region dialled to 0 (a dial is not a drain). A failed region is used again only when it is the only region that
     * can take requests at all (a single-region deployment, or every other region down): its other
     * replicas are then the only way to repeat the request. {@code null} when nothing is left.
     */
    public @Nullable RoutingDecision decideRetry(RoutingRequest request, List<Endpoint> tried,
            Collection<String> failedRegions) {
        if (tried.isEmpty() && failedRegions.isEmpty()) {
            return decide(request);
        }
        RoutingPlan plan = planFor(request.location());
        String lastRegion = tried.isEmpty() ? null : tried.get(tried.size() - 1).region();
        HealthSignals untried = endpoint -> health.isAvailable(endpoint) && !tried.contains(endpoint);
        Region lastTried = null;
        Region soleFailed = null;
        List<Region> dialledOff = new ArrayList<>(0);
        int available = 0;
        for (int r = 0; r < plan.ranked.length; r++) {
            Region region = plan.ranked[r];
            if (plan.reachable[r] <= 0) {
                continue;
            }
            available++;
            if (failedRegions.contains(region.name())) {
                soleFailed = region;
                continue;
            }
            if (region.name().equals(lastRegion)) {
                lastTried = region;
                continue;
            }
            if (plan.keep[r] <= 0) {
                dialledOff.add(region); // dialled to 0: only when nothing better is left
                continue;
            }
            Endpoint endpoint = endpointSelector.pick(region, untried);
            if (endpoint != null) {
                return new RoutingDecision(region, endpoint, Reason.FAILOVER);
            }
        }
        List<Region> fallbacks = new ArrayList<>(dialledOff.size() + 2);
        if (lastTried != null) {
            fallbacks.add(lastTried);
        }
        fallbacks.addAll(dialledOff);
        if (available == 1 && soleFailed != null) {
            fallbacks.add(soleFailed);
        }
        for (Region fallback : fallbacks) {
            Endpoint endpoint = endpointSelector.pick(fallback, untried);
            if (endpoint != null) {
                return new RoutingDecision(fallback, endpoint, Reason.FAILOVER);
            }
        }
        return null;
    }

    /** Where {@code request} would go and why, with the numbers behind every region. */
    public RoutingExplanation explain(RoutingRequest request) {
        RoutingPlan plan = planFor(request.location());
        RoutingDecision decision = decide(request);
        List<RegionCandidate> candidates = new ArrayList<>(plan.ranked.length);
        for (int r = 0; r < plan.ranked.length; r++) {
            Region region = plan.ranked[r];
            candidates.add(new RegionCandidate(
                    region.name(),
                    r,
                    plan.level[r],
                    known(plan.distanceKm[r], 1),
                    known(plan.latencyMs[r], 3),
                    known(plan.costMs[r], 3),
                    plan.weight[r],
                    (int) Math.round(plan.dial[r] * 100),
                    region.endpoints().size(),
                    plan.availableEndpoints[r],
                    plan.reachable[r] > 0,
                    round(plan.share[r], 4)));
        }
        ClientLocation location = request.location();
        return new RoutingExplanation(
                request.client().getHostAddress(),
                location,
                plan.basis.label,
                request.route().name(),
                request.tenant(),
                candidates,
                decision == null
                        ? null
                        : new RoutingExplanation.Pick(
                                decision.region().name(), decision.endpoint().label(), decision.reason().label()));
    }

    private @Nullable RoutingDecision panicDecision(RoutingPlan plan) {
        if (routing.panic() == PanicMode.REJECT || plan.ranked.length == 0) {
            return null;
        }
        // The best region that is not drained and has an endpoint at all (a name may answer none).
        Region best = null;
        for (int r = 0; r < plan.ranked.length && best == null; r++) {
            if (plan.weight[r] > 0 && !plan.ranked[r].endpoints().isEmpty()) {
                best = plan.ranked[r];
            }
        }
        for (int r = 0; r < plan.ranked.length && best == null; r++) {
            if (!plan.ranked[r].endpoints().isEmpty()) {
                best = plan.ranked[r];
            }
        }
        if (best == null) {
            return null;
        }
        Endpoint endpoint = EndpointSelector.POWER_OF_TWO_CHOICES.pick(best, HealthSignals.ALL_HEALTHY);
        return endpoint == null ? null : new RoutingDecision(best, endpoint, Reason.PANIC);
    }

    private static Reason reasonFor(RoutingPlan plan, int pick) {
        if (plan.level[pick] > 0) {
            return Reason.FAILOVER;
        }
        if (plan.sharingInFirstLevel > 1) {
            return Reason.WEIGHT;
        }
        switch (plan.basis) {
            case GEO:
                return Reason.GEO;
            case LATENCY:
                return Reason.LATENCY;
            default:
                return Reason.CONFIG_ORDER;
        }
    }

    private RoutingPlan planFor(@Nullable ClientLocation location) {
        long key = location == null ? NO_LOCATION : cellOf(location);
        RoutingPlan plan = plans.getIfPresent(key);
        if (plan == null || plan.healthVersion != health.version()
                || (plan.heldUntil != RankingHistory.NOT_HELD && nanoClock.getAsLong() - plan.heldUntil >= 0)) {
            double[] latched = latchLatencies();
            RoutingPlan fresh = RoutingPlan.compute(table, routing, health, overrides, location, latched,
                    RankingHistory.NOT_HELD);
            RankingHistory.Verdict verdict = rankings.decide(key, fresh.firstRanked(), latched, nanoClock.getAsLong());
            plan = verdict.heldUntil() == RankingHistory.NOT_HELD
                    ? fresh
                    : RoutingPlan.compute(table, routing, health, overrides, location, verdict.latencyMs(), verdict.heldUntil());
            plans.put(key, plan);
        }
        return plan;
    }

    /** The measured latencies, each moved only when it changed by more than {@code routing.hysteresis}. */
    private double[] latchLatencies() {
        List<Region> regions = table.regions();
        long hysteresis = routing.hysteresis().toNanos();
        double[] latencyMs = new double[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            long measured = health.latencyNanos(regions.get(i));
            long latched = latchedLatencyNanos.get(i);
            if (measured >= 0 && (latched < 0 || Math.abs(measured - latched) > hysteresis)) {
                latchedLatencyNanos.compareAndSet(i, latched, measured);
            } else if (measured < 0 && latched >= 0) {
                latchedLatencyNanos.compareAndSet(i, latched, -1);
            }
            long used = latchedLatencyNanos.get(i);
            latencyMs[i] = used < 0 ? Double.NaN : used / 1e6;
        }
        return latencyMs;
    }

    private static long cellOf(ClientLocation location) {
        long lat = Math.round(location.lat() * 10);
        long lon = Math.round(location.lon() * 10);
        return lat * 10_000 + lon;
    }

    private static @Nullable Double known(double value, int decimals) {
        return Double.isNaN(value) ? null : round(value, decimals);
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
