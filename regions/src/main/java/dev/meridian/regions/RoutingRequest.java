package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RouteConfig;
import java.net.InetAddress;

/**
 * What the routing policy sees of a request: who sent it and which route it matched.
 *
 * @param client the client's address as far as Meridian can tell
 * @param route the configured route the request's path matched
 */
public record RoutingRequest(InetAddress client, RouteConfig route) {
    public RoutingRequest {
        requireNonNull(client, "client");
        requireNonNull(route, "route");
    }
}
