package dev.meridian.router.internal;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.RoutingPolicy;

/**
 * What the data path reads per request: the configuration, the routing policy built from it, the
 * health registry that feeds the policy and hears the outcome of every attempt, and how client
 * addresses and locations are found. Immutable; a change publishes a new snapshot
 * through an {@code AtomicReference}, and each request reads it once, so one request never mixes
 * two configurations.
 */
public record RouterSnapshot(
        MeridianConfig config,
        RoutingPolicy policy,
        HealthRegistry health,
        ClientAddressResolver clients,
        GeoLocator geo) {
    public RouterSnapshot {
        requireNonNull(health, "health");
        requireNonNull(config, "config");
        requireNonNull(policy, "policy");
        requireNonNull(clients, "clients");
        requireNonNull(geo, "geo");
    }
}
