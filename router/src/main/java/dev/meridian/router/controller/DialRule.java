package dev.meridian.router.controller;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.SloControllerConfig;
import dev.meridian.regions.RegionDial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides what to do with one region's dial, as a pure function of its burn rates, its dial, its
 * neighbours' burn rates and what the controller remembers of it: no clocks (the time is an
 * argument), no I/O, so that it is tested over recorded SLI series.
 *
 * <p>The rules, in order:
 * <ol>
 * <li>A dial an SRE pinned is left alone; so is a drained region or one at weight 0 (drains and
 *     weights are not the controller's).</li>
 * <li>Down: when the region had at least {@code min-attempts} in the short window and either
 *     objective burns faster than {@code burn-threshold} in both windows, the dial is multiplied
 *     by (1 − {@code step}), never below {@code floor}; not while a region that would take the
 *     spill burns faster than the threshold in its short window (turning down would move the
 *     traffic to another burning region), and at most once per short window (the next step waits
 *     until the short window shows the effect of the last).</li>
 * <li>Up: when the controller's dial is below the baseline (where the SRE left it) and the short
 *     window has burnt below 1 without interruption for {@code cool-down}, and the last step is at
 *     least {@code cool-down} old, the dial is divided by (1 − {@code step}), at most to the baseline.</li>
 * <li>Otherwise the dial stays: a burn between 1 and the threshold holds a turned-down region
 *     where it is (hysteresis), and any sample at 1 or above restarts the cool-down.</li>
 * </ol>
 */
final class DialRule {

    /** What a decision does to the dial. */
    enum Action {
        DOWN, UP, HOLD;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What the controller remembers of a region between two evaluations.
     *
     * @param lastStepNanos when the controller last turned its dial; {@link Long#MIN_VALUE}: never
     * @param calmSinceNanos since when the short window has burnt below 1 without interruption; {@link Long#MIN_VALUE}: not calm
     */
    record Memory(long lastStepNanos, long calmSinceNanos) {
        static final Memory NEW = new Memory(Long.MIN_VALUE, Long.MIN_VALUE);

        /** The controller turned the dial at {@code nowNanos}. */
        Memory steppedAt(long nowNanos) {
            return new Memory(nowNanos, calmSinceNanos);
        }

        boolean calmFor(long nowNanos, long nanos) {
            return calmSinceNanos != Long.MIN_VALUE && nowNanos - calmSinceNanos >= nanos;
        }

        boolean steppedWithin(long nowNanos, long nanos) {
            return lastStepNanos != Long.MIN_VALUE && nowNanos - lastStepNanos < nanos;
        }
    }

    /**
     * One region as the rule sees it.
     *
     * @param region its name
     * @param burn its burn rates
     * @param dial its dial
     * @param available whether it takes traffic at all (not drained, weight above 0)
     * @param spillTargets the regions that would take its spill
     */
    record Input(String region, Burn burn, RegionDial dial, boolean available, List<String> spillTargets) {
        Input {
            requireNonNull(region, "region");
            requireNonNull(burn, "burn");
            requireNonNull(dial, "dial");
            spillTargets = List.copyOf(spillTargets);
        }
    }

    /**
     * A decision: {@code to == from} for {@link Action#HOLD}.
     *
     * @param memory what to remember of the region afterwards, as if the dial did not move (the
     *     controller adds {@link Memory#steppedAt} when it turned it)
     */
    record Decision(String region, Action action, int from, int to, String reason, Memory memory) {}

    private final double threshold;
    private final double step;
    private final int floorPercent;
    private final long shortWindowNanos;
    private final long coolDownNanos;
    private final int minAttempts;
    private final Duration coolDown;

    DialRule(SloControllerConfig config) {
        this.threshold = config.burnThreshold();
        this.step = config.step();
        this.floorPercent = (int) Math.ceil(config.floor() * 100 - 1e-9);
        this.shortWindowNanos = config.shortWindow().toNanos();
        this.coolDown = config.coolDown();
        this.coolDownNanos = coolDown.toNanos();
        this.minAttempts = config.minAttempts();
    }

    /**
     * Decides for {@code input.region()}.
     *
     * @param burns every region's burn rates (the spill targets' among them)
     * @param memory what was remembered of the region ({@link Memory#NEW} at first)
     */
    Decision decide(Input input, Map<String, Burn> burns, Memory memory, long nowNanos) {
        Burn burn = input.burn();
        int percent = input.dial().percent();
        Memory next = new Memory(memory.lastStepNanos(),
                burn.calm() ? (memory.calmSinceNanos() != Long.MIN_VALUE ? memory.calmSinceNanos() : nowNanos) : Long.MIN_VALUE);
        if (input.dial().pinned()) {
            return hold(input, next, "pinned by " + input.dial().setBy() + ": left alone until unpinned");
        }
        if (!input.available()) {
            return hold(input, next, "drained or at weight 0: not the controller's to judge");
        }
        boolean judged = burn.shortWindow().attempts() >= minAttempts || burn.shortWindow().responses() >= minAttempts;
        if (judged && burn.burnsFasterThan(threshold)) {
            if (percent <= floorPercent) {
                return hold(input, next, "burning " + rates(burn) + ", but the dial is at the floor (" + floorPercent + "%)");
            }
            List<String> burning = new ArrayList<>();
            for (String target : input.spillTargets()) {
                Burn other = burns.get(target);
                if (other != null && other.shortMax() > threshold) {
                    burning.add(target);
                }
            }
            if (!burning.isEmpty() && burning.size() == input.spillTargets().size()) {
                return hold(input, next, "burning " + rates(burn) + ", but the regions that would take the spill burn too: "
                        + String.join(", ", burning));
            }
            if (next.steppedWithin(nowNanos, shortWindowNanos)) {
                return hold(input, next, "burning " + rates(burn) + "; the last step is younger than the short window: waiting "
                        + "for it to show");
            }
            int to = Math.max(floorPercent, (int) Math.floor(percent * (1 - step) + 1e-9));
            if (to >= percent) {
                return hold(input, next, "burning " + rates(burn) + ", but the dial is at the floor (" + floorPercent + "%)");
            }
            return new Decision(input.region(), Action.DOWN, percent, to,
                    "burning " + rates(burn) + " in both windows (threshold " + threshold + ")", next);
        }
        int baseline = input.dial().baseline();
        if (percent < baseline) {
            if (next.calmFor(nowNanos, coolDownNanos) && !next.steppedWithin(nowNanos, coolDownNanos)) {
                int to = Math.min(baseline, Math.max(percent + 1, (int) Math.ceil(percent / (1 - step) - 1e-9)));
                return new Decision(input.region(), Action.UP, percent, to,
                        "calm (burn below 1) for the cool-down of " + coolDown + ": one step back towards " + baseline + "%", next);
            }
            String why = burn.calm() ? "calm, waiting for the cool-down of " + coolDown + " before a step back up"
                    : "burning " + rates(burn) + ": held below the baseline (" + baseline + "%) until calm for " + coolDown;
            return hold(input, next, why);
        }
        if (!judged) {
            return hold(input, next, "too few attempts in the short window to judge (" + (long) burn.shortWindow().attempts()
                    + " < " + minAttempts + ")");
        }
        return hold(input, next, burn.calm() ? "healthy" : "burning " + rates(burn) + ", below the threshold " + threshold);
    }

    private static Decision hold(Input input, Memory memory, String reason) {
        int percent = input.dial().percent();
        return new Decision(input.region(), Action.HOLD, percent, percent, reason, memory);
    }

    private static String rates(Burn burn) {
        return String.format(Locale.ROOT, "(availability %.1f/%.1f, apdex %.1f/%.1f short/long)",
                burn.availabilityShort(), burn.availabilityLong(), burn.apdexShort(), burn.apdexLong());
    }
}
