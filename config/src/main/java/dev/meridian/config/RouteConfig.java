package dev.meridian.config;

import dev.meridian.config.syntax.NameRule;
import dev.meridian.config.syntax.PathPrefixRule;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * A class of traffic, selected by path prefix, with its own timeouts: completions must fail fast
 * to stay useful while chat streams may run for minutes, so one set of timeouts cannot serve both.
 *
 * <p>Prefixes match whole path segments, like Kubernetes' {@code Prefix} path type:
 * {@code /v2/chat} matches {@code /v2/chat} and {@code /v2/chat/agent}, not {@code /v2/chatty}. A
 * trailing slash is dropped ({@code /v2/chat/} is {@code /v2/chat}); {@code /} matches every path.
 *
 *
 * <p>A sticky header keeps a tenant (the header's value, e.g. {@code X-Gitlab-Instance-Id}) on
 * one region among the equally good ones, so that per-region caches and provider quotas see a
 * stable set of tenants; without one, requests are spread by weight.
 *
 * @param name unique name, {@code [a-z0-9][a-z0-9-]{0,62}}; a metric label
 * @param pathPrefix starts with {@code /}; no whitespace, {@code ?} or {@code #}
 * @param timeouts the route's complete timeouts (file values already merged with the defaults)
 * <p>Retries and hedging are per route too: completions are short and side-effect free, so they
 * may be retried after they were sent and hedged across regions; an agent chat is neither.
 *
 * @param stickyHeader a valid HTTP header name whose value names the tenant, stored as given; {@code null} for none
 * @param retry how many attempts a request gets, and whether a sent POST or PATCH may be retried
 * @param hedge whether a slow request gets a second attempt in the next region
 * @param apdex the time to first byte that satisfies and that is tolerated, for the route's Apdex score
 * @param grpc whether the route carries gRPC: requests with {@code content-type: application/grpc} go to HTTP/2
 *     regions only, are failed over only before the first response frame, and are counted by {@code grpc-status}
 */
public record RouteConfig(
        String name,
        String pathPrefix,
        TimeoutConfig timeouts,
        @Nullable String stickyHeader,
        RetryConfig retry,
        HedgeConfig hedge,
        ApdexConfig apdex,
        boolean grpc) {

    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(pathPrefix, "pathPrefix");
        requireNonNull(timeouts, "timeouts");
        requireNonNull(retry, "retry");
        requireNonNull(hedge, "hedge");
        requireNonNull(apdex, "apdex");
        NameRule.NAME.check("name", name);
        String problem = PathPrefixRule.problem(pathPrefix);
        if (problem != null) {
            throw new IllegalArgumentException("pathPrefix: '" + pathPrefix + "' " + problem);
        }
        pathPrefix = PathPrefixRule.normalize(pathPrefix);
        if (name.equals(ConfigDefaults.DEFAULT_ROUTE_NAME) && !pathPrefix.equals(ConfigDefaults.DEFAULT_ROUTE_PREFIX)) {
            throw new IllegalArgumentException("name: 'default' is reserved for the catch-all route (expected: pathPrefix '/')");
        }
        if (stickyHeader != null) {
            NameRule.HEADER_NAME.check("stickyHeader", stickyHeader);
        }
    }

    /** A route that does not carry gRPC. */
    public RouteConfig(String name, String pathPrefix, TimeoutConfig timeouts, @Nullable String stickyHeader,
            RetryConfig retry, HedgeConfig hedge, ApdexConfig apdex) {
        this(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, ConfigDefaults.ROUTE_GRPC);
    }

    /** A route with the default Apdex thresholds. */
    public RouteConfig(String name, String pathPrefix, TimeoutConfig timeouts, @Nullable String stickyHeader,
            RetryConfig retry, HedgeConfig hedge) {
        this(name, pathPrefix, timeouts, stickyHeader, retry, hedge, ApdexConfig.ofDefaults());
    }

    /** A route with the default retry policy, no hedging and the default Apdex thresholds. */
    public RouteConfig(String name, String pathPrefix, TimeoutConfig timeouts, @Nullable String stickyHeader) {
        this(name, pathPrefix, timeouts, stickyHeader, RetryConfig.ofDefaults(), HedgeConfig.ofDefaults());
    }

    /** A route without stickiness, with the default retry policy and no hedging. */
    public RouteConfig(String name, String pathPrefix, TimeoutConfig timeouts) {
        this(name, pathPrefix, timeouts, null);
    }

    public RouteConfig withTimeouts(TimeoutConfig timeouts) {
        return new RouteConfig(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, grpc);
    }

    public RouteConfig withStickyHeader(@Nullable String stickyHeader) {
        return new RouteConfig(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, grpc);
    }

    public RouteConfig withRetry(RetryConfig retry) {
        return new RouteConfig(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, grpc);
    }

    public RouteConfig withHedge(HedgeConfig hedge) {
        return new RouteConfig(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, grpc);
    }

    public RouteConfig withApdex(ApdexConfig apdex) {
        return new RouteConfig(name, pathPrefix, timeouts, stickyHeader, retry, hedge, apdex, grpc);
    }

    /**
     * Whether this route serves {@code path} (a request target in origin form; anything from
     * {@code ?} or {@code #} on is ignored). Allocation-free: called per request.
     */
    public boolean matches(String path) {
        int end = PathPrefixRule.pathEnd(path);
        int n = pathPrefix.length();
        if (n == 1) {
            return end > 0 && path.charAt(0) == '/';
        }
        return end >= n
                && path.regionMatches(0, pathPrefix, 0, n)
                && (end == n || path.charAt(n) == '/');
    }
}
