package dev.meridian.config;

import java.time.Duration;
import static java.util.Objects.requireNonNull;

/**
 * How the routing policy ranks regions and spreads traffic over them (see "Routing policy" in
 * DESIGN.md). The knobs are few and coarse on purpose: each one trades stability against
 * responsiveness, and an operator must be able to predict where a request goes from them alone.
 *
 * <pre>{@code
 * RoutingConfig routing = RoutingConfig.ofDefaults().withMode(RoutingMode.LATENCY_AWARE);
 * }</pre>
 *
 * @param mode how regions are ranked when the client's location is known
 * @param tieBand regions whose estimated cost is within this of the best share traffic by weight (zero or more)
 * @param spillFactor a region keeps {@code min(1, spillFactor x healthy fraction)} of its traffic, 1.0..10
 *     (Envoy's overprovisioning factor: 1.4 lets a region lose 2/7 of its endpoints before it spills)
 * @param hysteresis latency-aware mode: a measured-latency change smaller than this does not change the ranking (zero or more)
 * @param hysteresisPeriod after the measured latencies changed the region ranked first for a client location, they
 *     may change it again only this much later: at most one move per period (zero or more; zero: no hold)
 * @param panic what happens when no region is available
 * @param defaultTtfb an endpoint's time to first byte before it has been measured (positive)
 * @param ttfbDecay time constant of the peak-EWMA of time to first byte (positive)
 */
public record RoutingConfig(
        RoutingMode mode,
        Duration tieBand,
        double spillFactor,
        Duration hysteresis,
        Duration hysteresisPeriod,
        PanicMode panic,
        Duration defaultTtfb,
        Duration ttfbDecay) {

    /** Smallest spill factor: below 1 a fully healthy region would already shed traffic. */
    public static final double MIN_SPILL_FACTOR = 1.0;
    /** Largest spill factor; beyond it a region would keep its traffic until nearly all its endpoints are gone. */
    public static final double MAX_SPILL_FACTOR = 10.0;

    public RoutingConfig {
        requireNonNull(mode, "mode");
        checkNotNegative(tieBand, "tieBand");
        if (!(spillFactor >= MIN_SPILL_FACTOR && spillFactor <= MAX_SPILL_FACTOR)) { // also refuses NaN
            throw new IllegalArgumentException("spillFactor: " + spillFactor + " (expected: 1.0..10)");
        }
        checkNotNegative(hysteresis, "hysteresis");
        checkNotNegative(hysteresisPeriod, "hysteresisPeriod");
        requireNonNull(panic, "panic");
        TimeoutConfig.checkPositive(defaultTtfb, "defaultTtfb");
        TimeoutConfig.checkPositive(ttfbDecay, "ttfbDecay");
    }

    /** Every value from {@link ConfigDefaults}. */
    public static RoutingConfig ofDefaults() {
        return new RoutingConfig(
                ConfigDefaults.ROUTING_MODE,
                ConfigDefaults.TIE_BAND,
                ConfigDefaults.SPILL_FACTOR,
                ConfigDefaults.HYSTERESIS,
                ConfigDefaults.HYSTERESIS_PERIOD,
                ConfigDefaults.PANIC,
                ConfigDefaults.DEFAULT_TTFB,
                ConfigDefaults.TTFB_DECAY);
    }

    public RoutingConfig withMode(RoutingMode mode) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withTieBand(Duration tieBand) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withSpillFactor(double spillFactor) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withHysteresis(Duration hysteresis) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withHysteresisPeriod(Duration hysteresisPeriod) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withPanic(PanicMode panic) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    public RoutingConfig withDefaultTtfb(Duration defaultTtfb) {
        return new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay);
    }

    private static void checkNotNegative(Duration value, String name) {
        requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
    }
}
