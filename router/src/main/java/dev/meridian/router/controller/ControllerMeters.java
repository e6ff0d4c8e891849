package dev.meridian.router.controller;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.ControllerMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The controller's meters ({@code meridian_controller_*}, documented in {@code src/docs/metrics.md}):
 * its mode and role, each region's burn rates and whether the controller holds its dial down, and
 * its decisions. Region gauges are created at start for the configured regions (the controller
 * sets them before its first evaluation), and at the next evaluation for a region a reload adds.
 */
final class ControllerMeters {

    /** A gauge's value, written by the controller thread, read by scrapes. */
    private static final class Level {
        volatile double value = Double.NaN;

        double get() {
            return value;
        }
    }

    private final MeterRegistry registry;
    private final Map<ControllerMode, Level> modes = new EnumMap<>(ControllerMode.class);
    private final Level leader = new Level();
    private final Level paused = new Level();
    private final Level lastEvaluation = new Level();
    private final Map<String, Level> levels = new ConcurrentHashMap<>();

    ControllerMeters(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        for (ControllerMode mode : ControllerMode.values()) {
            Level level = new Level();
            modes.put(mode, level);
            Gauge.builder("meridian.controller.mode", level, Level::get)
                    .description("1 for the SLO controller's configured mode (off, advise, act), 0 for the others")
                    .tag("mode", mode.configName())
                    .register(registry);
        }
        Gauge.builder("meridian.controller.leader", leader, Level::get)
                .description("1 when this instance's SLO controller decides (alone, or elected in the fleet), else 0")
                .register(registry);
        Gauge.builder("meridian.controller.paused", paused, Level::get)
                .description("1 while the SLO controller is paused because etcd does not answer, else 0")
                .register(registry);
        Gauge.builder("meridian.controller.last.evaluation", lastEvaluation, Level::get)
                .description("When the SLO controller last evaluated the regions (Unix time)")
                .baseUnit("seconds")
                .register(registry);
    }

    void state(ControllerMode mode, ControllerFleet.Role role, double evaluatedAtSeconds) {
        modes.forEach((m, level) -> level.value = m == mode ? 1 : 0);
        leader.value = mode != ControllerMode.OFF && role == ControllerFleet.Role.LEADER ? 1 : 0;
        paused.value = mode != ControllerMode.OFF && role == ControllerFleet.Role.PAUSED ? 1 : 0;
        lastEvaluation.value = evaluatedAtSeconds;
    }

    /** A region's burn rates (NaN: no traffic, or not evaluated here) and whether the controller holds its dial down. */
    void region(String region, Burn burn, boolean turnedDown) {
        level("burn:" + region + ":availability:short", region, "availability", "short").value = burn.availabilityShort();
        level("burn:" + region + ":availability:long", region, "availability", "long").value = burn.availabilityLong();
        level("burn:" + region + ":apdex:short", region, "apdex", "short").value = burn.apdexShort();
        level("burn:" + region + ":apdex:long", region, "apdex", "long").value = burn.apdexLong();
        levels.computeIfAbsent("down:" + region, k -> {
            Level level = new Level();
            Gauge.builder("meridian.controller.turned.down", level, Level::get)
                    .description("1 while the SLO controller holds the region's dial below where an SRE left it, else 0")
                    .tag("region", region)
                    .register(registry);
            return level;
        }).value = turnedDown ? 1 : 0;
    }

    private Level level(String key, String region, String objective, String window) {
        return levels.computeIfAbsent(key, k -> {
            Level level = new Level();
            Gauge.builder("meridian.controller.burn.rate", level, Level::get)
                    .description("The region's error-budget burn rate as the SLO controller computed it (NaN without traffic)")
                    .tags("region", region, "objective", objective, "window", window)
                    .register(registry);
            return level;
        });
    }

    /** A decision that moves a dial: {@code result} is applied, advised (advise mode), refused or failed. */
    void decision(String region, DialRule.Action action, String result) {
        Counter.builder("meridian.controller.decisions")
                .description("SLO controller decisions that move a dial, by region, direction and what became of them")
                .tags("region", region, "action", action.label(), "result", result)
                .register(registry)
                .increment();
    }
}
