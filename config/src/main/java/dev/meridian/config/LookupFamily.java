package dev.meridian.config;

import java.util.Locale;

/**
 * Which address records a host name is resolved to (Envoy's {@code dns_lookup_family}). The
 * preferred families ask the other family only when the name has no record of the preferred one,
 * so a host without IPv6 routes is not handed IPv6 replicas it cannot reach.
 */
public enum LookupFamily {
    /** A records only. */
    V4_ONLY,
    /** AAAA records only. */
    V6_ONLY,
    /** A records; AAAA only when the name has no A record. */
    V4_PREFERRED,
    /** AAAA records; A only when the name has no AAAA record. */
    V6_PREFERRED,
    /** A and AAAA records, every address a replica. */
    ALL;

    /** The spelling used in the config file: {@code v4-only}, {@code v4-preferred}, {@code all}, ... */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
