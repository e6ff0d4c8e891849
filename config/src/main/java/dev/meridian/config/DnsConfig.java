package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How endpoint host names are resolved while Meridian runs (see {@code src/docs/discovery.md}):
 * asynchronously, again whenever an answer's TTL runs out (kept within {@code minRefresh} and
 * {@code maxRefresh}), every address of an answer a replica of its region.
 *
 * @param servers DNS servers asked in order, resolved IP addresses with ports; empty: the system's
 *     ({@code /etc/resolv.conf})
 * @param minRefresh shortest time between two resolutions of one name (a shorter TTL is raised to
 *     it); the first retry after a failure waits this long
 * @param maxRefresh longest time between two resolutions of one name (a longer TTL is lowered to
 *     it); the retry backoff stops growing here
 * @param queryTimeout how long one query waits for one server
 * @param lookupFamily which address records are asked for and used
 */
public record DnsConfig(
        List<InetSocketAddress> servers,
        Duration minRefresh,
        Duration maxRefresh,
        Duration queryTimeout,
        LookupFamily lookupFamily) {

    /** A refresh more often than this would be a DNS flood, whatever the TTL says. */
    public static final Duration MIN_REFRESH_FLOOR = Duration.ofMillis(100);
    /** More servers than this are a configuration mistake (the system resolver uses three). */
    public static final int MAX_SERVERS = 16;

    public DnsConfig {
        servers = List.copyOf(requireNonNull(servers, "servers"));
        requireNonNull(minRefresh, "minRefresh");
        requireNonNull(maxRefresh, "maxRefresh");
        requireNonNull(queryTimeout, "queryTimeout");
        requireNonNull(lookupFamily, "lookupFamily");
        if (servers.size() > MAX_SERVERS) {
            throw new IllegalArgumentException("servers: " + servers.size() + " (expected: at most " + MAX_SERVERS + ")");
        }
        for (InetSocketAddress server : servers) {
            if (server.isUnresolved()) {
                throw new IllegalArgumentException("servers: " + server + " (expected: an IP address, not a name)");
            }
        }
        if (minRefresh.compareTo(MIN_REFRESH_FLOOR) < 0) {
            throw new IllegalArgumentException("minRefresh: " + minRefresh + " (expected: at least " + MIN_REFRESH_FLOOR + ")");
        }
        if (maxRefresh.compareTo(minRefresh) < 0) {
            throw new IllegalArgumentException("maxRefresh: " + maxRefresh + " (expected: at least minRefresh, " + minRefresh + ")");
        }
        if (queryTimeout.isNegative() || queryTimeout.isZero()) {
            throw new IllegalArgumentException("queryTimeout: " + queryTimeout + " (expected: positive)");
        }
    }

    /** The defaults: the system's servers, refresh between 1 s and 30 s, 2 s per query, IPv4 preferred. */
    public static DnsConfig ofDefaults() {
        return new DnsConfig(List.of(), ConfigDefaults.DNS_MIN_REFRESH, ConfigDefaults.DNS_MAX_REFRESH,
                ConfigDefaults.DNS_QUERY_TIMEOUT, ConfigDefaults.DNS_LOOKUP_FAMILY);
    }

    /** The same settings with other servers (tests point them at their own DNS server). */
    public DnsConfig withServers(List<InetSocketAddress> servers) {
        return new DnsConfig(servers, minRefresh, maxRefresh, queryTimeout, lookupFamily);
    }
}
