package dev.meridian.config;

import dev.meridian.config.internal.InetLiteral;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * The whole configuration of one Meridian instance, immutable and valid by construction: a
 * running router swaps one instance for another and never sees a half-applied change.
 *
 * <p>Usually produced by {@link ConfigLoader}; tests build one with
 * {@code MeridianConfig.ofDefaults(regions).withListen(new ListenConfig("127.0.0.1", 0))}.
 *
 * @param routing how regions are ranked and traffic is spread over them
 * @param health probes, outlier ejection, circuit breakers and 429 handling
 * @param retries the retry budget and replay buffer shared by every route's retries and hedges
 * @param accessLog where and whether each request is logged
 * @param regions at least one; names and endpoints unique across all regions
 * @param routes configured routes; names and prefixes unique. The catch-all is {@link #defaultRoute()}
 * @param fleet whether the admin state is shared with other instances through etcd
 * @param dns how endpoint host names are resolved while running
 * @param sloController whether and how the SLO controller turns regions' dials
 */
public record MeridianConfig(
        ListenConfig listen,
        ServerConfig server,
        UpstreamConfig upstream,
        TimeoutConfig timeouts,
        AdminConfig admin,
        GeoConfig geo,
        RoutingConfig routing,
        HealthConfig health,
        RetriesConfig retries,
        AccessLogConfig accessLog,
        List<RegionConfig> regions,
        List<RouteConfig> routes,
        FleetConfig fleet,
        DnsConfig dns,
        SloControllerConfig sloController) {

    public MeridianConfig {
        requireNonNull(listen, "listen");
        requireNonNull(server, "server");
        requireNonNull(upstream, "upstream");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(admin, "admin");
        requireNonNull(geo, "geo");
        requireNonNull(routing, "routing");
        requireNonNull(health, "health");
        requireNonNull(retries, "retries");
        requireNonNull(accessLog, "accessLog");
        regions = List.copyOf(requireNonNull(regions, "regions"));
        routes = List.copyOf(requireNonNull(routes, "routes"));
        requireNonNull(fleet, "fleet");
        requireNonNull(dns, "dns");
        requireNonNull(sloController, "sloController");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("regions: empty (expected: at least one region)");
        }
        Set<String> regionNames = new HashSet<>();
        Map<URI, String> endpointOwners = new HashMap<>();
        for (RegionConfig region : regions) {
            if (!regionNames.add(region.name())) {
                throw new IllegalArgumentException("regions: duplicate name '" + region.name() + "' (expected: unique names)");
            }
            for (URI endpoint : region.endpoints()) {
                String owner = endpointOwners.putIfAbsent(endpoint, region.name());
                if (owner != null) {
                    throw new IllegalArgumentException("regions: endpoint '" + endpoint + "' is in both '" + owner
                            + "' and '" + region.name() + "' (expected: each endpoint in one region)");
                }
            }
        }
        Set<String> routeNames = new HashSet<>();
        Set<String> prefixes = new HashSet<>();
        for (RouteConfig route : routes) {
            if (!routeNames.add(route.name())) {
                throw new IllegalArgumentException("routes: duplicate name '" + route.name() + "' (expected: unique names)");
            }
            if (!prefixes.add(route.pathPrefix())) {
                throw new IllegalArgumentException("routes: duplicate pathPrefix '" + route.pathPrefix() + "' (expected: unique prefixes)");
            }
        }
        if (InetLiteral.bindingsClash(listen.address(), listen.port(), admin.address(), admin.port())) {
            throw new IllegalArgumentException("admin.port: " + admin.port() + " (expected: a port other than listen.port)");
        }
    }

    /** A configuration with the default {@link SloControllerConfig}. */
    public MeridianConfig(
            ListenConfig listen,
            ServerConfig server,
            UpstreamConfig upstream,
            TimeoutConfig timeouts,
            AdminConfig admin,
            GeoConfig geo,
            RoutingConfig routing,
            HealthConfig health,
            RetriesConfig retries,
            AccessLogConfig accessLog,
            List<RegionConfig> regions,
            List<RouteConfig> routes,
            FleetConfig fleet,
            DnsConfig dns) {
        this(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                SloControllerConfig.ofDefaults());
    }

    /** A configuration with the default {@link DnsConfig}. */
    public MeridianConfig(
            ListenConfig listen,
            ServerConfig server,
            UpstreamConfig upstream,
            TimeoutConfig timeouts,
            AdminConfig admin,
            GeoConfig geo,
            RoutingConfig routing,
            HealthConfig health,
            RetriesConfig retries,
            AccessLogConfig accessLog,
            List<RegionConfig> regions,
            List<RouteConfig> routes,
            FleetConfig fleet) {
        this(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet,
                DnsConfig.ofDefaults());
    }

    /** A configuration with the default {@link HealthConfig}, {@link RetriesConfig} and {@link AccessLogConfig}. */
    public MeridianConfig(
            ListenConfig listen,
            ServerConfig server,
            UpstreamConfig upstream,
            TimeoutConfig timeouts,
            AdminConfig admin,
            GeoConfig geo,
            RoutingConfig routing,
            List<RegionConfig> regions,
            List<RouteConfig> routes) {
        this(listen, server, upstream, timeouts, admin, geo, routing, HealthConfig.ofDefaults(), RetriesConfig.ofDefaults(),
                AccessLogConfig.ofDefaults(), regions, routes, FleetConfig.NONE);
    }

    /** A configuration with the default {@link RoutingConfig}, {@link HealthConfig} and {@link RetriesConfig}. */
    public MeridianConfig(
            ListenConfig listen,
            ServerConfig server,
            UpstreamConfig upstream,
            TimeoutConfig timeouts,
            AdminConfig admin,
            GeoConfig geo,
            List<RegionConfig> regions,
            List<RouteConfig> routes) {
        this(listen, server, upstream, timeouts, admin, geo, RoutingConfig.ofDefaults(), regions, routes);
    }

    /** Everything from {@link ConfigDefaults}; only the regions must be given. */
    public static MeridianConfig ofDefaults(List<RegionConfig> regions) {
        return new MeridianConfig(
                ListenConfig.ofDefaults(),
                ServerConfig.ofDefaults(),
                UpstreamConfig.ofDefaults(),
                TimeoutConfig.ofDefaults(),
                AdminConfig.ofDefaults(),
                GeoConfig.ofDefaults(),
                RoutingConfig.ofDefaults(),
                HealthConfig.ofDefaults(),
                RetriesConfig.ofDefaults(),
                AccessLogConfig.ofDefaults(),
                regions,
                ConfigDefaults.ROUTES,
                FleetConfig.NONE,
                DnsConfig.ofDefaults(),
                SloControllerConfig.ofDefaults());
    }

    /**
     * The route for a request path: the configured route with the longest matching prefix (see
     * {@link RouteConfig#matches}), else {@link #defaultRoute()}.
     */
    public RouteConfig routeFor(String path) {
        RouteConfig matching = matchingRoute(path);
        return matching != null ? matching : defaultRoute();
    }

    /**
     * The configured route with the longest prefix matching {@code path}, or {@code null} when
     * none does (the caller falls back to {@link #defaultRoute()}, which it may keep: building it
     * validates it again). Allocation-free: called per request.
     */
    public @Nullable RouteConfig matchingRoute(String path) {
        requireNonNull(path, "path");
        RouteConfig best = null;
        for (RouteConfig route : routes) {
            if (route.matches(path) && (best == null || route.pathPrefix().length() > best.pathPrefix().length())) {
                best = route;
            }
        }
        return best;
    }

    /**
     * The catch-all route: named {@code default}, prefix {@code /}, with the top-level
     * {@link #timeouts()}; or the configured route whose prefix is {@code /}, when there is one.
     */
    public RouteConfig defaultRoute() {
        for (RouteConfig route : routes) {
            if (route.pathPrefix().equals(ConfigDefaults.DEFAULT_ROUTE_PREFIX)) {
                return route;
            }
        }
        return new RouteConfig(ConfigDefaults.DEFAULT_ROUTE_NAME, ConfigDefaults.DEFAULT_ROUTE_PREFIX, timeouts);
    }

    /** The region named {@code name}, or {@code null}. */
    public @Nullable RegionConfig region(String name) {
        for (RegionConfig region : regions) {
            if (region.name().equals(name)) {
                return region;
            }
        }
        return null;
    }

    public MeridianConfig withListen(ListenConfig listen) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withServer(ServerConfig server) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withUpstream(UpstreamConfig upstream) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withTimeouts(TimeoutConfig timeouts) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withAdmin(AdminConfig admin) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withGeo(GeoConfig geo) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withRouting(RoutingConfig routing) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withHealth(HealthConfig health) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withRetries(RetriesConfig retries) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withAccessLog(AccessLogConfig accessLog) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withRegions(List<RegionConfig> regions) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withRoutes(List<RouteConfig> routes) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withFleet(FleetConfig fleet) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withDns(DnsConfig dns) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }

    public MeridianConfig withSloController(SloControllerConfig sloController) {
        return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog, regions, routes, fleet, dns,
                sloController);
    }
}
