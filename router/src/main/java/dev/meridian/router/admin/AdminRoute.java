package dev.meridian.router.admin;

import dev.meridian.config.AdminToken;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Every route of the admin API, in one table: what it matches, and the token scope it needs
 * ({@code null}: no token at all, for liveness and readiness probes). The server dispatches on it
 * and the OpenAPI test compares it with the published document, so the two cannot drift apart.
 */
enum AdminRoute {

    HEALTHZ(HttpMethod.GET, "/healthz", null),
    READY(HttpMethod.GET, "/ready", null),
    METRICS(HttpMethod.GET, "/metrics", AdminToken.Scope.READ),
    OPENAPI(HttpMethod.GET, "/admin/openapi.yaml", AdminToken.Scope.READ),
    REGIONS(HttpMethod.GET, "/admin/regions", AdminToken.Scope.READ),
    SET_WEIGHT(HttpMethod.PUT, "/admin/regions/{name}/weight", AdminToken.Scope.WRITE),
    RESET_WEIGHT(HttpMethod.DELETE, "/admin/regions/{name}/weight", AdminToken.Scope.WRITE),
    DRAIN(HttpMethod.POST, "/admin/regions/{name}/drain", AdminToken.Scope.WRITE),
    UNDRAIN(HttpMethod.POST, "/admin/regions/{name}/undrain", AdminToken.Scope.WRITE),
    SET_DIAL(HttpMethod.PUT, "/admin/regions/{name}/dial", AdminToken.Scope.WRITE),
    EXPLAIN(HttpMethod.GET, "/admin/explain", AdminToken.Scope.READ),
    FLEET(HttpMethod.GET, "/admin/fleet", AdminToken.Scope.READ),
    AUDIT(HttpMethod.GET, "/admin/audit", AdminToken.Scope.READ),
    TRAFFIC(HttpMethod.GET, "/admin/traffic", AdminToken.Scope.READ),
    WHOAMI(HttpMethod.GET, "/admin/whoami", AdminToken.Scope.READ),
    RELOAD(HttpMethod.POST, "/admin/reload", AdminToken.Scope.WRITE),
    CONTROLLER(HttpMethod.GET, "/admin/controller", AdminToken.Scope.READ);

    private final HttpMethod method;
    private final String template;
    private final List<String> segments;
    private final AdminToken.@Nullable Scope scope;

    AdminRoute(HttpMethod method, String template, AdminToken.@Nullable Scope scope) {
        this.method = method;
        this.template = template;
        this.segments = List.of(template.substring(1).split("/", -1));
        this.scope = scope;
    }

    HttpMethod method() {
        return method;
    }

    /** The path as the OpenAPI document writes it, with {@code {name}} for the path parameter. */
    String template() {
        return template;
    }

    /** The scope a token needs; {@code null} when the route is open to anyone who can connect. */
    AdminToken.@Nullable Scope scope() {
        return scope;
    }

    /** Whether the request changes state (and so takes {@code If-Match}, a body and the write lock). */
    boolean isWrite() {
        return scope == AdminToken.Scope.WRITE;
    }

    /**
     * The value of the {@code {name}} segment when {@code path} (decoded, without the query) matches
     * this route's template; the empty string when it matches a template without parameters;
     * {@code null} when it does not match.
     */
    @Nullable String match(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length != segments.size()) {
            return null;
        }
        String name = "";
        for (int i = 0; i < parts.length; i++) {
            String expected = segments.get(i);
            if (expected.equals("{name}")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                name = parts[i];
            } else if (!expected.equals(parts[i])) {
                return null;
            }
        }
        return name;
    }
}
