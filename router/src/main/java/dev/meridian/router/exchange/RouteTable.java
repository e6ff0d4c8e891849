package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RouteConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which route a request belongs to: the configured route with the longest path prefix that
 * matches the request path on whole segments ({@link RouteConfig#matches}), else the catch-all
 * ({@link MeridianConfig#defaultRoute()}). Built once per configuration, with the routes sorted by
 * prefix length so that the first match is the longest; {@link #routeFor} allocates nothing and is
 * called once per request.
 *
 * <pre>{@code
 * RouteTable routes = RouteTable.of(config);
 * RouteConfig route = routes.routeFor("/v2/code/completions");
 * }</pre>
 */
public final class RouteTable {

    private final RouteConfig[] longestPrefixFirst;
    private final RouteConfig catchAll;

    private RouteTable(RouteConfig[] longestPrefixFirst, RouteConfig catchAll) {
        this.longestPrefixFirst = longestPrefixFirst;
        this.catchAll = catchAll;
    }

    /** The routes of {@code config}, with its catch-all built once here rather than per request. */
    public static RouteTable of(MeridianConfig config) {
        requireNonNull(config, "config");
        List<RouteConfig> sorted = new ArrayList<>(config.routes());
        // Prefixes are unique, so no two routes of one length both match: the order among equals is moot.
        sorted.sort(Comparator.comparingInt((RouteConfig route) -> route.pathPrefix().length()).reversed());
        return new RouteTable(sorted.toArray(new RouteConfig[0]), config.defaultRoute());
    }

    /** The route of a request path (the path of the request target, query included or not). */
    public RouteConfig routeFor(String path) {
        for (RouteConfig route : longestPrefixFirst) {
            if (route.matches(path)) {
                return route;
            }
        }
        return catchAll;
    }

    /** The route of requests no configured route matches: a configured {@code /} route, else {@code default}. */
    public RouteConfig catchAll() {
        return catchAll;
    }
}
