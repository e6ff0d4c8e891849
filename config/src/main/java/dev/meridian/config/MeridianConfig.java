package dev.meridian.config;

import dev.meridian.config.syntax.InetLiteral;
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
 * <p>Usually produced by {@code dev.meridian.config.loading.ConfigLoader}; tests build one with
 * {@code MeridianConfig.builder(regions).listen(new ListenConfig("127.0.0.1", 0)).build()}.
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

    /** A builder starting from {@link #ofDefaults(List)}: {@code MeridianConfig.builder(regions).listen(listen).build()}. */
    public static Builder builder(List<RegionConfig> regions) {
        return ofDefaults(regions).toBuilder();
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Changes some values of a {@link MeridianConfig} and builds a new one, checked as the
     * constructor checks it. A new component is added here once (field, copy, setter, build).
     */
    public static final class Builder {
        private ListenConfig listen;
        private ServerConfig server;
        private UpstreamConfig upstream;
        private TimeoutConfig timeouts;
        private AdminConfig admin;
        private GeoConfig geo;
        private RoutingConfig routing;
        private HealthConfig health;
        private RetriesConfig retries;
        private AccessLogConfig accessLog;
        private List<RegionConfig> regions;
        private List<RouteConfig> routes;
        private FleetConfig fleet;
        private DnsConfig dns;
        private SloControllerConfig sloController;

        private Builder(MeridianConfig from) {
            listen = from.listen;
            server = from.server;
            upstream = from.upstream;
            timeouts = from.timeouts;
            admin = from.admin;
            geo = from.geo;
            routing = from.routing;
            health = from.health;
            retries = from.retries;
            accessLog = from.accessLog;
            regions = from.regions;
            routes = from.routes;
            fleet = from.fleet;
            dns = from.dns;
            sloController = from.sloController;
        }

        public Builder listen(ListenConfig listen) {
            this.listen = listen;
            return this;
        }

        public Builder server(ServerConfig server) {
            this.server = server;
            return this;
        }

        public Builder upstream(UpstreamConfig upstream) {
            this.upstream = upstream;
            return this;
        }

        public Builder timeouts(TimeoutConfig timeouts) {
            this.timeouts = timeouts;
            return this;
        }

        public Builder admin(AdminConfig admin) {
            this.admin = admin;
            return this;
        }

        public Builder geo(GeoConfig geo) {
            this.geo = geo;
            return this;
        }

        public Builder routing(RoutingConfig routing) {
            this.routing = routing;
            return this;
        }

        public Builder health(HealthConfig health) {
            this.health = health;
            return this;
        }

        public Builder retries(RetriesConfig retries) {
            this.retries = retries;
            return this;
        }

        public Builder accessLog(AccessLogConfig accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        public Builder regions(List<RegionConfig> regions) {
            this.regions = regions;
            return this;
        }

        public Builder routes(List<RouteConfig> routes) {
            this.routes = routes;
            return this;
        }

        public Builder fleet(FleetConfig fleet) {
            this.fleet = fleet;
            return this;
        }

        public Builder dns(DnsConfig dns) {
            this.dns = dns;
            return this;
        }

        public Builder sloController(SloControllerConfig sloController) {
            this.sloController = sloController;
            return this;
        }

        public MeridianConfig build() {
            return new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries,
                    accessLog, regions, routes, fleet, dns, sloController);
        }
    }
}
