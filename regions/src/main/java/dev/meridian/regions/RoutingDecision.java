package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

/**
 * Where one request goes: the chosen region, the endpoint inside it, and why.
 *
 * @param region the region chosen
 * @param endpoint the endpoint chosen inside {@code region}
 * @param reason the rule of the policy that decided
 */
public record RoutingDecision(Region region, Endpoint endpoint, Reason reason) {

    public RoutingDecision {
        requireNonNull(region, "region");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(reason, "reason");
        if (!endpoint.region().equals(region.name())) {
            throw new IllegalArgumentException(
                    "endpoint: " + endpoint + " (expected: an endpoint of region " + region.name() + ')');
        }
    }

    /** Why a region was chosen; the values are also metric label values. */
    public enum Reason {
        /** Nearest region by the client's location. */
        GEO,
        /** Lowest measured latency (client location unknown). */
        LATENCY,
        /** Configuration order (no location, no latency measured). */
        CONFIG_ORDER,
        /** Shared by weight among equally good regions. */
        WEIGHT,
        /** A sticky tenant's region. */
        STICKY,
        /** The preferred region was not available, or an attempt there failed. */
        FAILOVER,
        /** A second attempt raced a slow first one. */
        HEDGE,
        /** No region was available; the nearest configured one was used anyway. */
        PANIC;

        /** The label value: lower case. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
