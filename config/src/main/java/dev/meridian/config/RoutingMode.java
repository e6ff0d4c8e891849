package dev.meridian.config;

import java.util.Locale;

/**
 * How regions are ranked for a client whose location is known. Distance alone is stable and needs
 * no measurements; adding measured latency corrects for networks that do not follow geography
 * (a region may be near on the map and slow to reach), at the price of depending on probes.
 */
public enum RoutingMode {
    /** Great-circle distance from the client; measured latency only when the location is unknown. */
    DISTANCE,
    /** The distance-derived estimate plus the measured router-to-region latency, with hysteresis. */
    LATENCY_AWARE;

    /** The spelling used in the config file: {@code distance}, {@code latency-aware}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
