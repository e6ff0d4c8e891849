package dev.meridian.router.controller;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.config.ControllerMode;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.SloControllerConfig;
import dev.meridian.regions.GreatCircle;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.router.controller.DialRule.Action;
import dev.meridian.router.controller.DialRule.Decision;
import dev.meridian.router.controller.DialRule.Memory;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SLO-driven controller: every {@code slo-controller.interval} it samples each region's SLI
 * counters, works out the burn rates over the short and long windows, lets {@link DialRule} decide,
 * and in {@code act} mode turns dials through the {@link DialActuator} as the actor
 * {@value #ACTOR}, with the SLIs and burn rates in the audit line. In {@code advise} mode it only
 * says what it would do (log, {@link #report()}, metrics). In a fleet only the instance elected
 * through etcd decides, from the sum of every instance's counters.
 *
 * <pre>{@code
 * SloController controller = SloController.start(server::config, server::overrides, server.meterRegistry(), dials,
 *         null, "", "instance-1", "127.0.0.1:9901");
 * JsonNode report = controller.report(); // GET /admin/controller
 * }</pre>
 *
 * <p>It runs on its own thread ({@code meridian-slo-controller}), never on an event loop; a
 * configuration reload takes effect at the next evaluation.
 */
public final class SloController implements AutoCloseable {

    /** The audit actor of the controller's changes, and the {@code set_by} of the dials it turns. */
    public static final String ACTOR = "slo-controller";

    private static final Logger log = LoggerFactory.getLogger(SloController.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Decisions kept for {@code GET /admin/controller}. */
    static final int RECENT_DECISIONS = 50;
    /** How long a dial change may take before the evaluation goes on without it. */
    private static final Duration TURN_TIMEOUT = Duration.ofSeconds(10);

    private final Supplier<MeridianConfig> config;
    private final Supplier<RegionOverrides> overrides;
    private final DialActuator dials;
    private final ControllerFleet fleet;
    private final SliSampler sampler;
    private final ControllerMeters meters;
    private final LongSupplier nanoClock;
    private final Clock clock;
    private final ScheduledExecutorService thread;

    // Only the controller thread touches these.
    private @Nullable SliHistory history;
    private final Map<String, Memory> memories = new HashMap<>();
    private final Map<String, String> lastAdvice = new HashMap<>();
    private ControllerFleet.Role lastRole = ControllerFleet.Role.LEADER;

    private final ArrayDeque<ObjectNode> recent = new ArrayDeque<>();
    private volatile ObjectNode report;
    private volatile Map<String, ObjectNode> explained = Map.of();
    private volatile boolean closed;

    SloController(Supplier<MeridianConfig> config, Supplier<RegionOverrides> overrides, MeterRegistry registry,
            DialActuator dials, ControllerFleet fleet, LongSupplier nanoClock, Clock clock) {
        this.config = requireNonNull(config, "config");
        this.overrides = requireNonNull(overrides, "overrides");
        this.dials = requireNonNull(dials, "dials");
        this.fleet = requireNonNull(fleet, "fleet");
        this.sampler = new SliSampler(registry);
        this.meters = new ControllerMeters(registry);
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.clock = requireNonNull(clock, "clock");
        this.report = JSON.createObjectNode().put("mode", config.get().sloController().mode().configName())
                .put("state", "starting");
        for (RegionConfig region : config.get().regions()) {
            meters.region(region.name(), Burn.NONE, false); // every series from the start, for dashboards and rules
        }
        this.thread = ControllerThreads.start("meridian-slo-controller");
    }

    /**
     * Starts the controller: its first evaluation one interval from now.
     *
     * @param config the configuration in force (read at every evaluation, so reloads apply)
     * @param overrides the weights and drains in force (a drained region is not judged)
     * @param dials reads and turns the dials
     * @param etcd the fleet's etcd client, or {@code null} for a single instance; the controller
     *     closes neither
     * @param prefix the fleet's key prefix (ignored without {@code etcd})
     * @param instance this instance's id in the fleet
     * @param adminAddress where this instance's admin API listens, shown with the leader's id
     */
    public static SloController start(Supplier<MeridianConfig> config, Supplier<RegionOverrides> overrides, MeterRegistry registry,
            DialActuator dials, @Nullable Client etcd, String prefix, String instance, String adminAddress) {
        ControllerFleet fleet = etcd == null ? ControllerFleet.single(ControllerFleet.describe(instance, adminAddress))
                : new EtcdControllerFleet(etcd, prefix, instance, adminAddress, Clock.systemUTC());
        SloController controller = new SloController(config, overrides, registry, dials, fleet, System::nanoTime, Clock.systemUTC());
        controller.scheduleNext();
        return controller;
    }

    /** What {@code GET /admin/controller} shows: mode, role, leader, inputs and next step per region, recent decisions. */
    public JsonNode report() {
        return report;
    }

    /** The controller's view of {@code region} for {@code explain}: its burn rates and what it does next; {@code null} before any. */
    public @Nullable JsonNode explain(String region) {
        return explained.get(region);
    }

    @Override
    public void close() {
        closed = true;
        ControllerThreads.stop(thread);
        fleet.close();
    }

    private void scheduleNext() {
        if (closed) {
            return;
        }
        try {
            thread.schedule(this::evaluateSafely, config.get().sloController().interval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void evaluateSafely() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            log.warn("SLO controller: the evaluation failed: {}", e.toString(), e);
        } finally {
            scheduleNext();
        }
    }

    /** One evaluation; package-private so that tests can drive it without waiting. */
    void evaluate() {
        MeridianConfig current = config.get();
        SloControllerConfig settings = current.sloController();
        Instant at = clock.instant();
        List<String> names = current.regions().stream().map(RegionConfig::name).toList();
        if (settings.mode() == ControllerMode.OFF) {
            fleet.standBy();
            history = null;
            meters.state(settings.mode(), ControllerFleet.Role.LEADER, at.toEpochMilli() / 1000.0);
            for (String region : names) {
                meters.region(region, Burn.NONE, false);
            }
            ObjectNode off = JSON.createObjectNode().put("mode", settings.mode().configName()).put("state", "off");
            off.put("evaluatedAt", at.toString());
            off.set("decisions", recentDecisions());
            report = off;
            explained = Map.of();
            return;
        }
        ControllerFleet.View view = fleet.tick(sampler.sample(names));
        roleChanged(view);
        long now = nanoClock.getAsLong();
        Map<String, RegionDial> dialsNow = dials.dials();
        RegionOverrides overridesNow = overrides.get();
        meters.state(settings.mode(), view.role(), at.toEpochMilli() / 1000.0);
        if (view.role() != ControllerFleet.Role.LEADER) {
            history = null; // a new leader starts from its own samples
            memories.clear();
            regionMeters(names, dialsNow, Map.of()); // the dials are the fleet's: every instance shows which are held down
            publish(settings, view, at, names, dialsNow, Map.of(), Map.of());
            return;
        }
        if (history == null || history.keepNanos() != settings.longWindow().toNanos()) {
            history = new SliHistory(settings.longWindow().toNanos());
        }
        SliHistory h = history;
        h.add(now, view.counters());
        Map<String, Burn> burns = new LinkedHashMap<>();
        for (String region : names) {
            burns.put(region, Burn.of(h.window(region, settings.shortWindow().toNanos()),
                    h.window(region, settings.longWindow().toNanos()), settings.availability(), settings.apdex()));
        }
        DialRule rule = new DialRule(settings);
        Map<String, Decision> decisions = new LinkedHashMap<>();
        for (RegionConfig region : current.regions()) {
            String name = region.name();
            RegionDial dial = dialsNow.getOrDefault(name, RegionDial.DEFAULT);
            boolean available = overridesNow.effectiveWeight(region) > 0; // 0 when drained
            DialRule.Input input = new DialRule.Input(name, burns.get(name), dial, available,
                    spillTargets(current, overridesNow, region));
            Decision decision = rule.decide(input, burns, memories.getOrDefault(name, Memory.NEW), now);
            Memory memory = decision.memory();
            if (decision.action() != Action.HOLD) {
                if (settings.mode() == ControllerMode.ACT) {
                    if (turn(decision, burns.get(name), settings, at)) {
                        memory = memory.steppedAt(now);
                    }
                } else {
                    advise(decision, burns.get(name), at);
                }
            } else {
                lastAdvice.remove(name);
            }
            memories.put(name, memory);
            decisions.put(name, decision);
        }
        Map<String, RegionDial> after = settings.mode() == ControllerMode.ACT ? dials.dials() : dialsNow;
        regionMeters(names, after, burns);
        publish(settings, view, at, names, after, burns, decisions);
    }

    /** Each region's burn rates ({@link Burn#NONE} when not in {@code burns}) and whether this controller holds its dial down. */
    private void regionMeters(List<String> names, Map<String, RegionDial> dialsNow, Map<String, Burn> burns) {
        for (String region : names) {
            RegionDial dial = dialsNow.getOrDefault(region, RegionDial.DEFAULT);
            meters.region(region, burns.getOrDefault(region, Burn.NONE), ACTOR.equals(dial.setBy()) && dial.percent() < dial.baseline());
        }
    }

    /** Turns the dial as the decision says; whether it moved. */
    private boolean turn(Decision decision, Burn burn, SloControllerConfig settings, Instant at) {
        Map<String, Object> details = auditDetails(decision, burn, settings);
        String result;
        long revision = -1;
        String problem = null;
        try {
            revision = dials.turn(decision.region(), decision.to(), ACTOR, details)
                    .get(TURN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            result = "applied";
            log.info("SLO controller: turned {} {} from {}% to {}%: {} (revision {})", decision.region(), decision.action().label(),
                    decision.from(), decision.to(), decision.reason(), revision);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problem = String.valueOf(cause.getMessage());
            result = cause instanceof DialActuator.Refused ? "refused" : "failed";
            log.warn("SLO controller: could not turn {} from {}% to {}%: {}", decision.region(), decision.from(), decision.to(),
                    problem);
        } catch (TimeoutException e) {
            problem = "no answer within " + TURN_TIMEOUT;
            result = "failed";
            log.warn("SLO controller: turning {} to {}% got no answer within {}", decision.region(), decision.to(), TURN_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        meters.decision(decision.region(), decision.action(), result);
        remember(decision, burn, at, "act", result, revision, problem);
        return result.equals("applied");
    }

    /** Advise mode: a decision is logged and remembered once, until it changes. */
    private void advise(Decision decision, Burn burn, Instant at) {
        String advice = decision.action() + " " + decision.to();
        if (advice.equals(lastAdvice.put(decision.region(), advice))) {
            return;
        }
        log.info("SLO controller (advise): would turn {} {} from {}% to {}%: {}", decision.region(), decision.action().label(),
                decision.from(), decision.to(), decision.reason());
        meters.decision(decision.region(), decision.action(), "advised");
        remember(decision, burn, at, "advise", "advised", -1, null);
    }

    private void remember(Decision decision, Burn burn, Instant at, String mode, String result, long revision,
            @Nullable String problem) {
        ObjectNode line = decisionJson(decision, burn);
        line.put("time", at.toString());
        line.put("mode", mode);
        line.put("result", result);
        if (revision >= 0) {
            line.put("revision", revision);
        }
        if (problem != null) {
            line.put("problem", problem);
        }
        synchronized (recent) {
            recent.addFirst(line);
            while (recent.size() > RECENT_DECISIONS) {
                recent.removeLast();
            }
        }
    }

    private ArrayNode recentDecisions() {
        ArrayNode list = JSON.createArrayNode();
        synchronized (recent) {
            recent.forEach(line -> list.add(line.deepCopy()));
        }
        return list;
    }

    private void roleChanged(ControllerFleet.View view) {
        if (view.role() == lastRole) {
            return;
        }
        switch (view.role()) {
            case LEADER -> log.info("SLO controller: this instance ({}) now decides for the fleet", view.instance());
            case FOLLOWER -> log.info("SLO controller: {} decides for the fleet; this instance follows",
                    view.leader() != null ? view.leader() : "another instance");
            case PAUSED -> log.warn("SLO controller: paused, no instance decides: {}; it resumes when etcd answers", view.problem());
        }
        lastRole = view.role();
    }

    private void publish(SloControllerConfig settings, ControllerFleet.View view, Instant at, List<String> names,
            Map<String, RegionDial> dialsNow, Map<String, Burn> burns, Map<String, Decision> decisions) {
        ObjectNode body = JSON.createObjectNode();
        body.put("mode", settings.mode().configName());
        body.put("state", switch (view.role()) {
            case LEADER -> "leading";
            case FOLLOWER -> "following";
            case PAUSED -> "paused";
        });
        body.put("fleet", fleet.kind());
        body.put("instance", view.instance());
        body.put("leader", view.leader());
        if (view.problem() != null) {
            body.put("problem", view.problem());
        }
        body.put("evaluatedAt", at.toString());
        ObjectNode knobs = body.putObject("settings");
        knobs.put("shortWindow", settings.shortWindow().toString());
        knobs.put("longWindow", settings.longWindow().toString());
        knobs.put("availability", settings.availability());
        knobs.put("apdex", settings.apdex());
        knobs.put("burnThreshold", settings.burnThreshold());
        knobs.put("step", settings.step());
        knobs.put("floor", settings.floor());
        knobs.put("coolDown", settings.coolDown().toString());
        knobs.put("interval", settings.interval().toString());
        knobs.put("minAttempts", settings.minAttempts());
        ObjectNode regions = body.putObject("regions");
        Map<String, ObjectNode> explain = new HashMap<>();
        for (String name : names) {
            ObjectNode region = regions.putObject(name);
            RegionDial dial = dialsNow.getOrDefault(name, RegionDial.DEFAULT);
            region.putObject("dial").put("percent", dial.percent()).put("baseline", dial.baseline())
                    .put("pinned", dial.pinned()).put("setBy", dial.setBy());
            Decision decision = decisions.get(name);
            Burn burn = burns.get(name);
            if (decision != null && burn != null) {
                ObjectNode next = decisionJson(decision, burn);
                region.set("inputs", next.remove("inputs"));
                region.set("burn", next.remove("burn"));
                next.remove("region");
                region.set("next", next);
                ObjectNode e = JSON.createObjectNode();
                e.put("mode", settings.mode().configName());
                e.set("burn", region.get("burn").deepCopy());
                e.set("next", next.deepCopy());
                explain.put(name, e);
            }
        }
        body.set("decisions", recentDecisions());
        explained = Map.copyOf(explain);
        report = body;
    }

    private static ObjectNode decisionJson(Decision decision, Burn burn) {
        ObjectNode node = JSON.createObjectNode();
        node.put("region", decision.region());
        node.put("action", decision.action().label());
        node.put("from", decision.from());
        node.put("to", decision.to());
        node.put("reason", decision.reason());
        ObjectNode inputs = node.putObject("inputs");
        sli(inputs.putObject("short"), burn.shortWindow());
        sli(inputs.putObject("long"), burn.longWindow());
        ObjectNode rates = node.putObject("burn");
        rates.putObject("availability").put("short", number(burn.availabilityShort())).put("long", number(burn.availabilityLong()));
        rates.putObject("apdex").put("short", number(burn.apdexShort())).put("long", number(burn.apdexLong()));
        return node;
    }

    private static void sli(ObjectNode node, SliCounters counters) {
        node.put("attempts", (long) counters.attempts());
        node.put("failures", (long) counters.failures());
        node.put("errorRatio", number(counters.errorRatio()));
        node.put("responses", (long) counters.responses());
        node.put("apdex", number(counters.apdex()));
    }

    /** JSON has no NaN: a rate without traffic is null. */
    private static @Nullable Double number(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : Math.round(value * 10_000) / 10_000.0;
    }

    private static Map<String, Object> auditDetails(Decision decision, Burn burn, SloControllerConfig settings) {
        ObjectNode node = decisionJson(decision, burn);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", decision.action().label());
        details.put("from", decision.from());
        details.put("to", decision.to());
        details.put("reason", decision.reason());
        details.put("inputs", JSON.convertValue(node.get("inputs"), Map.class));
        details.put("burn", JSON.convertValue(node.get("burn"), Map.class));
        details.put("burnThreshold", settings.burnThreshold());
        return details;
    }

    /**
     * The regions that would take {@code region}'s spill: the nearest other region that takes
     * traffic (by great-circle distance between the regions' locations), else the next one in
     * configured order.
     */
    static List<String> spillTargets(MeridianConfig config, RegionOverrides overrides, RegionConfig region) {
        List<RegionConfig> others = new ArrayList<>();
        for (RegionConfig other : config.regions()) {
            if (!other.name().equals(region.name()) && overrides.effectiveWeight(other) > 0) { // 0 when drained
                others.add(other);
            }
        }
        if (others.isEmpty()) {
            return List.of();
        }
        GeoPoint here = region.location();
        RegionConfig nearest = null;
        double best = Double.MAX_VALUE;
        if (here != null) {
            for (RegionConfig other : others) {
                GeoPoint there = other.location();
                if (there != null) {
                    double km = GreatCircle.distanceKm(here.lat(), here.lon(), there.lat(), there.lon());
                    if (km < best) {
                        best = km;
                        nearest = other;
                    }
                }
            }
        }
        if (nearest == null) {
            int index = config.regions().indexOf(region);
            for (int i = 1; i <= config.regions().size() && nearest == null; i++) {
                RegionConfig candidate = config.regions().get((index + i) % config.regions().size());
                if (others.contains(candidate)) {
                    nearest = candidate;
                }
            }
        }
        return nearest == null ? List.of() : List.of(nearest.name());
    }
}
