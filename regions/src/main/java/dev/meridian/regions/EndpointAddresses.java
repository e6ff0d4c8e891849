package dev.meridian.regions;

import java.net.InetAddress;
import java.util.List;

/**
 * The addresses endpoint host names stand for right now: what a {@link RoutingTable} makes a
 * replica of for each endpoint configured by name. The router's DNS discovery answers from its
 * last good answers; it never resolves when asked (tables are built off the event loops, but
 * building one must still not wait for DNS).
 */
@FunctionalInterface
public interface EndpointAddresses {

    /**
     * The current addresses of {@code host} (lowercase, as in the configured URI), in any order,
     * duplicates allowed; empty while the name has no answer (not resolved yet, or answered with
     * no records), which leaves its endpoint without replicas.
     */
    List<InetAddress> of(String host);
}
