package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.router.metrics.RequestMeters;
import dev.meridian.router.upstream.UpstreamTargets;

/**
 * What the data path reads per request: the configuration, its route table, the routing policy built from it, the
 * health registry that feeds the policy and hears the outcome of every attempt, how client
 * addresses and locations are found, the meters labelled with this configuration's regions
 * and routes, how each region's endpoints are spoken to (protocol, TLS context), and what stall
 * detection knows of each region. Immutable; a change publishes a new snapshot
 * through an {@code AtomicReference}, and each request reads it once, so one request never mixes
 * two configurations.
 */
public record RouterSnapshot(
        MeridianConfig config,
        RouteTable routes,
        RoutingPolicy policy,
        HealthRegistry health,
        ClientAddressResolver clients,
        GeoLocator geo,
        RequestMeters meters,
        UpstreamTargets upstreams,
        RegionStalls stalls) {
    public RouterSnapshot {
        requireNonNull(health, "health");
        requireNonNull(config, "config");
        requireNonNull(routes, "routes");
        requireNonNull(policy, "policy");
        requireNonNull(clients, "clients");
        requireNonNull(geo, "geo");
        requireNonNull(meters, "meters");
        requireNonNull(upstreams, "upstreams");
        requireNonNull(stalls, "stalls");
    }

    /** Whether {@code region} can take new requests now (see {@link RoutingPolicy#isAvailable}). */
    public boolean available(Region region) {
        return policy.isAvailable(region);
    }

    /** This snapshot with other admin overrides applied (same configuration, health and meters). */
    public RouterSnapshot withPolicy(RoutingPolicy next) {
        return new RouterSnapshot(config, routes, next, health, clients, geo, meters, upstreams, stalls);
    }
}
