package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;

/**
 * Which route a request belongs to: the configured route with the longest path prefix that
 * matches the request path on whole segments ({@link MeridianConfig#matchingRoute}), else the
 * catch-all ({@link MeridianConfig#defaultRoute()}). Built once per configuration so that the
 * catch-all is built once rather than per request; {@link #routeFor} allocates nothing and is
 * called once per request.
 *
 * <pre>{@code
 * RouteTable routes = RouteTable.of(config);
 * RouteConfig route = routes.routeFor("/v2/code/completions");
 * }</pre>
 */
public final class RouteTable {

    private final MeridianConfig config;
    private final RouteConfig catchAll;

    private RouteTable(MeridianConfig config, RouteConfig catchAll) {
        this.config = config;
        this.catchAll = catchAll;
    }

    /** The routes of {@code config}, with its catch-all built once here rather than per request. */
    public static RouteTable of(MeridianConfig config) {
        requireNonNull(config, "config");
        return new RouteTable(config, config.defaultRoute());
    }

    /** The route of a request path (the path of the request target, query included or not). */
    public RouteConfig routeFor(String path) {
        RouteConfig matching = config.matchingRoute(path);
        return matching != null ? matching : catchAll;
    }

    /** The route of requests no configured route matches: a configured {@code /} route, else {@code default}. */
    public RouteConfig catchAll() {
        return catchAll;
    }
}
