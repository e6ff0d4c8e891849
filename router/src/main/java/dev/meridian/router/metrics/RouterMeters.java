package dev.meridian.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The data path's meters, one entry each: the Micrometer name, the description, the base unit and
 * the tag keys (every other class builds its meters from here, so a name is written once). The
 * names and tags are a contract: dashboards, recording rules and alerts in {@code grafana/} and
 * {@code src/docs/metrics.md} use the Prometheus form given on each entry ({@code .} becomes
 * {@code _}, a counter gains {@code _total}, a timer {@code _seconds}, a gauge with a base unit
 * that unit). Tag values come from the configuration and from enums, never from a request.
 *
 * <p>Two entries may share a name when they are different kinds of meter ({@link #REQUEST_TIME}
 * and {@link #REQUESTS}: one Prometheus histogram, one counter).
 *
 * <pre>{@code
 * Counter refused = RouterMeters.RETRIES_REFUSED.counter().tag("route", route.name()).register(registry);
 * }</pre>
 */
public enum RouterMeters {

    // ---- requests (RequestMeters) ----

    /** {@code meridian_requests_seconds} (histogram). */
    REQUEST_TIME("meridian.requests",
            "Requests from the request head to the last byte sent, by the region that answered", null,
            "region", "route", "status_class"),
    /** {@code meridian_requests_total}. */
    REQUESTS("meridian.requests",
            "Requests by the region that answered and why that region was chosen", null,
            "region", "route", "status_class", "reason"),
    /** {@code meridian_time_to_first_byte_seconds} (histogram). */
    TIME_TO_FIRST_BYTE("meridian.time.to.first.byte",
            "From the request head to the response head sent to the client (proxied responses)", null,
            "region", "route"),
    /** {@code meridian_apdex_total}. */
    APDEX("meridian.apdex",
            "Proxied responses below 500 by Apdex zone of their time to first byte", null,
            "region", "route", "zone"),
    /** {@code meridian_upstream_attempts_total}. */
    UPSTREAM_ATTEMPTS("meridian.upstream.attempts",
            "Attempts sent (or tried) to the region's endpoints, by outcome", null,
            "region", "route", "outcome"),
    /** {@code meridian_retries_total}. */
    RETRIES("meridian.retries",
            "Retries, by the region of the failed attempt and what went wrong", null,
            "region", "route", "reason"),
    /** {@code meridian_hedges_total}. */
    HEDGES("meridian.hedges",
            "Hedged attempts, by the hedge's region and how its race ended", null,
            "region", "route", "result"),
    /** {@code meridian_grpc_responses_total}. */
    GRPC_RESPONSES("meridian.grpc.responses",
            "gRPC calls by the region that answered and the grpc-status the client received", null,
            "region", "route", "grpc_status"),
    /** {@code meridian_retries_refused_total}. */
    RETRIES_REFUSED("meridian.retries.refused",
            "Retries and hedges the retry budget refused", null,
            "route"),
    /** {@code meridian_failovers_total}. */
    FAILOVERS("meridian.failovers",
            "Retries that went to another region than the failed attempt", null,
            "from_region", "to_region", "reason"),
    /** {@code meridian_error_responses_total}. */
    ERROR_RESPONSES("meridian.error.responses",
            "Responses Meridian generated itself, by error code", null,
            "error"),

    // ---- clients (RouterGauges, ClientLimitMeters, RequestMeters, AccessLog) ----

    /** {@code meridian_client_connections}. */
    CLIENT_CONNECTIONS("meridian.client.connections",
            "Open client connections", null),
    /** {@code meridian_client_connections_refused_total}. */
    CLIENT_CONNECTIONS_REFUSED("meridian.client.connections.refused",
            "Client connections closed at accept because a connection limit was reached", null,
            "reason"),
    /** {@code meridian_client_timeouts_total}. */
    CLIENT_TIMEOUTS("meridian.client.timeouts",
            "Client connections closed because the client was too slow", null,
            "phase"),
    /** {@code meridian_client_http2_errors_total}. */
    CLIENT_HTTP2_ERRORS("meridian.client.http2.errors",
            "HTTP/2 client connections closed with GOAWAY for a protocol error, by HTTP/2 error code", null,
            "error"),
    /** {@code meridian_access_log_dropped_total}. */
    ACCESS_LOG_DROPPED("meridian.access.log.dropped",
            "Access log lines dropped because the writer fell behind", null),

    // ---- regions and endpoints (RouterGauges) ----

    /** {@code meridian_region_available}: {@link dev.meridian.regions.HealthSignals#isAvailable(dev.meridian.regions.Region, int)}. */
    REGION_AVAILABLE("meridian.region.available",
            "1 when the region can take new requests, else 0", null,
            "region"),
    /** {@code meridian_region_weight}. */
    REGION_WEIGHT("meridian.region.weight",
            "Effective weight, after admin overrides (0 when drained)", null,
            "region"),
    /** {@code meridian_region_dial_ratio}. */
    REGION_DIAL_RATIO("meridian.region.dial.ratio",
            "The region's traffic dial, 0..1: the fraction of its share it keeps (1 when not dialled)", null,
            "region"),
    /** {@code meridian_region_drained}. */
    REGION_DRAINED("meridian.region.drained",
            "1 when drained through the admin API", null,
            "region"),
    /** {@code meridian_region_endpoints}. */
    REGION_ENDPOINTS("meridian.region.endpoints",
            "Configured endpoints", null,
            "region"),
    /** {@code meridian_region_healthy_endpoints}. */
    REGION_HEALTHY_ENDPOINTS("meridian.region.healthy.endpoints",
            "Endpoints probed up and not ejected", null,
            "region"),
    /** {@code meridian_region_probe_rtt_seconds}. */
    REGION_PROBE_RTT("meridian.region.probe.rtt",
            "Probe round-trip time (EWMA); NaN until measured", "seconds",
            "region"),
    /** {@code meridian_region_capacity}. */
    REGION_CAPACITY("meridian.region.capacity",
            "Fraction of its share the region gets (below 1 while throttled by 429)", null,
            "region"),
    /** {@code meridian_region_breaker_state}. */
    REGION_BREAKER_STATE("meridian.region.breaker.state",
            "1 for the circuit breaker's current state, 0 for the others", null,
            "region", "state"),
    /** {@code meridian_region_breaker_failure_ratio}. */
    REGION_BREAKER_FAILURE_RATIO("meridian.region.breaker.failure.ratio",
            "Failed calls in the breaker's window, 0..1; NaN before minimum-calls", null,
            "region"),
    /** {@code meridian_region_breaker_slow_call_ratio}. */
    REGION_BREAKER_SLOW_CALL_RATIO("meridian.region.breaker.slow.call.ratio",
            "Slow calls in the breaker's window, 0..1; NaN before minimum-calls", null,
            "region"),
    /** {@code meridian_endpoint_available}. */
    ENDPOINT_AVAILABLE("meridian.endpoint.available",
            "1 when the endpoint is probed up and not ejected", null,
            "region", "endpoint"),
    /** {@code meridian_endpoint_ejections_total}. */
    ENDPOINT_EJECTIONS("meridian.endpoint.ejections",
            "Outlier ejections since the configuration was loaded", null,
            "region", "endpoint"),
    /** {@code meridian_endpoint_outstanding_requests}. */
    ENDPOINT_OUTSTANDING_REQUESTS("meridian.endpoint.outstanding.requests",
            "Requests in flight to the endpoint", null,
            "region", "endpoint"),

    // ---- upstream pools (RouterGauges over UpstreamPools) ----

    /** {@code meridian_upstream_connections}. */
    UPSTREAM_CONNECTIONS("meridian.upstream.connections",
            "Open upstream connections to the region's endpoints, by state (an HTTP/2 "
                    + "connection is in use while it carries at least one stream)", null,
            "region", "state"),
    /** {@code meridian_upstream_streams}. */
    UPSTREAM_STREAMS("meridian.upstream.streams",
            "Active HTTP/2 streams to the region's endpoints (requests in flight on its "
                    + "multiplexed connections; 0 for HTTP/1.1 regions)", null,
            "region"),
    /** {@code meridian_upstream_pending_acquires}. */
    UPSTREAM_PENDING_ACQUIRES("meridian.upstream.pending.acquires",
            "Requests waiting for a free upstream connection to the region", null,
            "region"),

    // ---- GeoIP (RouterGauges) ----

    /** {@code meridian_geoip_lookups_total}. */
    GEOIP_LOOKUPS("meridian.geoip.lookups",
            "GeoIP lookups by address cache result, since the database was opened", null,
            "result"),
    /** {@code meridian_geoip_node_cache_total}. */
    GEOIP_NODE_CACHE("meridian.geoip.node.cache",
            "GeoIP lookups by node cache result, since the database was opened", null,
            "result"),
    /** {@code meridian_geoip_cache_hit_ratio}. */
    GEOIP_CACHE_HIT_RATIO("meridian.geoip.cache.hit.ratio",
            "Address-cache hits per lookup since the database was opened; NaN before the first lookup", null),
    /** {@code meridian_geoip_database_build_timestamp_seconds}. */
    GEOIP_DATABASE_BUILD_TIMESTAMP("meridian.geoip.database.build.timestamp",
            "Build time of the GeoIP database served (seconds since the epoch); 0 when none", "seconds");

    private final String meterName;
    private final String description;
    private final @Nullable String baseUnit;
    private final List<String> tagKeys;

    RouterMeters(String meterName, String description, @Nullable String baseUnit, String... tagKeys) {
        this.meterName = meterName;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tagKeys = List.of(tagKeys);
    }

    /** The Micrometer name ({@code meridian.requests}); the Prometheus name is on each entry. */
    public String meterName() {
        return meterName;
    }

    public String description() {
        return description;
    }

    /** The base unit, or {@code null} for none (a count, a ratio, a 0/1 state). */
    public @Nullable String baseUnit() {
        return baseUnit;
    }

    /** The tag keys every meter of this entry carries, in the order they are documented. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /** A counter builder with this entry's name, description and unit; the caller adds the tags. */
    public Counter.Builder counter() {
        return Counter.builder(meterName).description(description).baseUnit(baseUnit);
    }

    /** A timer builder with this entry's name and description (timers record seconds). */
    public Timer.Builder timer() {
        return Timer.builder(meterName).description(description);
    }

    /** A gauge builder reading {@code f} of {@code obj}, with this entry's name, description and unit. */
    public <T> Gauge.Builder<T> gauge(T obj, ToDoubleFunction<T> f) {
        return Gauge.builder(meterName, obj, f).description(description).baseUnit(baseUnit);
    }

    /** A function counter builder reading {@code f} of {@code obj}, with this entry's name, description and unit. */
    public <T> FunctionCounter.Builder<T> functionCounter(T obj, ToDoubleFunction<T> f) {
        return FunctionCounter.builder(meterName, obj, f).description(description).baseUnit(baseUnit);
    }
}
