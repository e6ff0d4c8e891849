package dev.meridian.regions;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a request would go, and why: the answer behind {@code meridian explain} and the admin
 * API's {@code /admin/explain}.
 *
 * @param client the client address the decision used
 * @param location the client's location, or {@code null} when unknown
 * @param rankedBy what the ranking was based on: {@code geo}, {@code latency} or {@code config_order}
 * @param route the route the path matched
 * @param tenant the sticky tenant, or {@code null}
 * @param candidates every configured region, best-ranked first
 * @param decision where this one request went (one draw; the shares say where requests go in general),
 *     or {@code null} when it was rejected because no region was available and panic routing is off
 */
public record RoutingExplanation(
        String client,
        @Nullable ClientLocation location,
        String rankedBy,
        String route,
        @Nullable String tenant,
        List<RegionCandidate> candidates,
        @Nullable Pick decision) {

    /**
     * @param region the region chosen
     * @param endpoint the endpoint chosen ({@code host:port} as configured)
     * @param reason the rule that decided
     */
    public record Pick(String region, String endpoint, String reason) {}
}
