package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RouteConfig;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * What the routing policy sees of a request.
 *
 * @param client the client's address as far as Meridian can tell (see {@link ClientAddressResolver})
 * @param location where the client is, or {@code null} when unknown
 * @param route the configured route the request's path matched
 * @param tenant the value of the route's sticky header, or {@code null}
 */
public record RoutingRequest(
        InetAddress client, @Nullable ClientLocation location, RouteConfig route, @Nullable String tenant) {

    public RoutingRequest {
        requireNonNull(client, "client");
        requireNonNull(route, "route");
    }

    /** A request with no known location and no tenant. */
    public RoutingRequest(InetAddress client, RouteConfig route) {
        this(client, null, route, null);
    }
}
