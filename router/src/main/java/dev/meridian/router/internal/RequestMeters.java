package dev.meridian.router.internal;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.ApdexConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.health.Outcome;
import dev.meridian.regions.RoutingDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The data path's meters for one configuration: request time, time to first byte, Apdex zones,
 * attempts, retries, hedges and failovers, each labelled with the region and route (names from the
 * configuration) and fixed enums, never with anything a client sends.
 *
 * <p>The meters of each (route, region) pair sit in a {@link Cell} found with two map lookups;
 * a cell creates a meter the first time a label combination occurs (once per combination, not
 * per request) so that a scrape shows only what happened. Cells are shared by the event loops:
 * a slot set by two loops at once holds the same meter both times, since the registry returns
 * the meter it already has for the same name and tags.
 *
 * <pre>{@code
 * RequestMeters meters = new RequestMeters(registry, config);
 * RequestMeters.Cell cell = meters.cell(route, "us-east4");
 * cell.attempt(Outcome.SUCCESS);
 * cell.request(200, RoutingDecision.Reason.GEO, totalNanos);
 * }</pre>
 */
public final class RequestMeters {

    /** The region label of a request no region was chosen for. */
    public static final String NO_REGION = "none";

    /** Histogram buckets of request time and time to first byte: 50 ms to 60 s, GitLab's SLI thresholds among them. */
    public static final List<Duration> BUCKETS = List.of(
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60));

    private static final Duration[] SLO = BUCKETS.toArray(new Duration[0]);

    /** Status class labels, indexed by status / 100 - 1; the last one is "the client left before any status". */
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "cancelled"};
    private static final int CANCELLED = STATUS_CLASSES.length - 1;

    private static final RoutingDecision.Reason[] REASONS = RoutingDecision.Reason.values();
    private static final String NO_REASON = "none";

    /** Outcome labels: {@link Outcome}'s, then {@link #OVERLOADED}, then (retries and failovers only) {@link #RESCUED}. */
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final int OVERLOADED = OUTCOMES.length;
    /** The reason of a retry that rescued an attempt stuck on an endpoint or region declared down. */
    private static final int RESCUED = OUTCOMES.length + 1;

    /** Hedge results. */
    public enum HedgeResult {
        /** The hedge answered first, or carried on when the first attempt failed. */
        WON,
        /** The first attempt answered first, or the hedge failed. */
        LOST,
        /** The request ended (client left, timeout) before either answered. */
        ABANDONED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final MeridianConfig config;
    private final RouteConfig defaultRoute;
    private final Map<String, RouteMeters> routes = new HashMap<>();
    private final Map<ErrorResponse, Counter> errorResponses = new EnumMap<>(ErrorResponse.class);

    public RequestMeters(MeterRegistry registry, MeridianConfig config) {
        this.registry = requireNonNull(registry, "registry");
        for (ErrorResponse error : ErrorResponse.values()) {
            // Every code from the start: a rate of errors that never happened is 0, not absent.
            errorResponses.put(error, Counter.builder("meridian.error.responses")
                    .description("Responses Meridian generated itself, by error code")
                    .tag("error", error.error())
                    .register(registry));
        }
        for (RouteConfig route : config.routes()) {
            routes.put(route.name(), new RouteMeters(route, config.regions()));
        }
        this.config = config;
        this.defaultRoute = config.defaultRoute();
        routes.putIfAbsent(defaultRoute.name(), new RouteMeters(defaultRoute, config.regions()));
    }

    /**
     * The route a request path belongs to: the configured route with the longest matching prefix,
     * else the catch-all, built once per configuration rather than per request.
     */
    public RouteConfig routeFor(String path) {
        RouteConfig matching = config.matchingRoute(path);
        return matching != null ? matching : defaultRoute;
    }

    /** The meters of requests on {@code route}; look them up once per request. */
    public RouteMeters route(RouteConfig route) {
        RouteMeters meters = routes.get(route.name());
        if (meters == null) {
            throw new IllegalArgumentException("route: " + route.name() + " (expected: a route of this configuration)");
        }
        return meters;
    }

    /** The meters of requests on {@code route} answered by {@code region} ({@link #NO_REGION} for none). */
    public Cell cell(RouteConfig route, String region) {
        return route(route).cell(region);
    }

    /**
     * A retry that went from {@code from} to another region {@code to} after {@code outcome}
     * ({@code null}: no free connection). Rare, so looked up in the registry each time.
     */
    public void failover(String from, String to, @Nullable Outcome outcome) {
        Counter.builder("meridian.failovers")
                .description("Retries that went to another region than the failed attempt")
                .tags("from_region", from, "to_region", to, "reason", outcomeLabel(outcome == null ? OVERLOADED : outcome.ordinal()))
                .register(registry)
                .increment();
    }

    /** A rescue went from {@code from} to another region {@code to}. Rare, so looked up in the registry each time. */
    public void failoverRescued(String from, String to) {
        if (from.equals(to)) {
            return;
        }
        Counter.builder("meridian.failovers")
                .description("Retries that went to another region than the failed attempt")
                .tags("from_region", from, "to_region", to, "reason", outcomeLabel(RESCUED))
                .register(registry)
                .increment();
    }

    /** A response Meridian generated itself ({@code error} is its stable code). */
    public void errorResponse(ErrorResponse error) {
        errorResponses.get(error).increment();
    }

    /**
     * An HTTP/2 client connection was closed for a protocol error ({@code error} is the HTTP/2
     * error code's name, e.g. {@code ENHANCE_YOUR_CALM} for a rapid-reset flood). Rare: looked up
     * when it happens.
     */
    public void http2ConnectionError(String error) {
        Counter.builder("meridian.client.http2.errors")
                .description("HTTP/2 client connections closed with GOAWAY for a protocol error, by HTTP/2 error code")
                .tags("error", error)
                .register(registry)
                .increment();
    }

    /** The meters of one route, a {@link Cell} per region. */
    public final class RouteMeters {
        private final Cell[] cells;
        private final Counter retriesRefused;

        RouteMeters(RouteConfig route, List<RegionConfig> regions) {
            cells = new Cell[regions.size() + 1];
            for (int i = 0; i < regions.size(); i++) {
                cells[i] = new Cell(route, regions.get(i).name());
            }
            cells[regions.size()] = new Cell(route, NO_REGION);
            retriesRefused = Counter.builder("meridian.retries.refused")
                    .description("Retries and hedges the retry budget refused")
                    .tag("route", route.name())
                    .register(registry);
        }

        /** A retry or hedge of this route the budget refused. */
        public void retryRefused() {
            retriesRefused.increment();
        }

        /**
         * The cell of {@code region} ({@link #NO_REGION} for none). A scan of a handful of regions,
         * comparing the configuration's own name instances first: cheaper than hashing.
         */
        public Cell cell(String region) {
            for (Cell cell : cells) {
                if (cell.region == region) {
                    return cell;
                }
            }
            for (Cell cell : cells) {
                if (cell.region.equals(region)) {
                    return cell;
                }
            }
            throw new IllegalArgumentException("region: " + region + " (expected: a region of this configuration, or none)");
        }
    }

    /** The meters of one route and region. Thread-safe. */
    public final class Cell {
        private final String route;
        private final String region;
        private final long satisfiedNanos;
        private final long toleratedNanos;
        private final AtomicReferenceArray<Timer> requestTimes = new AtomicReferenceArray<>(STATUS_CLASSES.length);
        private final AtomicReferenceArray<Counter> requests =
                new AtomicReferenceArray<>(STATUS_CLASSES.length * (REASONS.length + 1));
        private final AtomicReferenceArray<Counter> apdex = new AtomicReferenceArray<>(3);
        private final AtomicReferenceArray<Counter> attempts = new AtomicReferenceArray<>(OUTCOMES.length + 1);
        private final AtomicReferenceArray<Counter> retries = new AtomicReferenceArray<>(OUTCOMES.length + 2);
        private final AtomicReferenceArray<Counter> hedges = new AtomicReferenceArray<>(HedgeResult.values().length);
        private final AtomicReferenceArray<Counter> grpcStatuses = new AtomicReferenceArray<>(GrpcStatus.LABELS.length);
        private volatile @Nullable Timer timeToFirstByte;

        Cell(RouteConfig route, String region) {
            this.route = route.name();
            this.region = region;
            ApdexConfig thresholds = route.apdex();
            this.satisfiedNanos = thresholds.satisfied().toNanos();
            this.toleratedNanos = thresholds.tolerated().toNanos();
        }

        /**
         * A request ended.
         *
         * @param status the status sent to the client, or 0 when the client left before any
         * @param reason why the answering attempt's region was chosen; {@code null} when none was
         */
        public void request(int status, RoutingDecision.@Nullable Reason reason, long totalNanos) {
            int statusClass = statusClass(status);
            Timer time = requestTimes.get(statusClass);
            if (time == null) {
                time = Timer.builder("meridian.requests")
                        .description("Requests from the request head to the last byte sent, by the region that answered")
                        .tags("region", region, "route", route, "status_class", STATUS_CLASSES[statusClass])
                        .serviceLevelObjectives(SLO)
                        .register(registry);
                requestTimes.set(statusClass, time);
            }
            time.record(totalNanos, TimeUnit.NANOSECONDS);
            int r = reason == null ? REASONS.length : reason.ordinal();
            int slot = statusClass * (REASONS.length + 1) + r;
            Counter count = requests.get(slot);
            if (count == null) {
                count = Counter.builder("meridian.requests")
                        .description("Requests by the region that answered and why that region was chosen")
                        .tags("region", region, "route", route, "status_class", STATUS_CLASSES[statusClass],
                                "reason", reason == null ? NO_REASON : reason.label())
                        .register(registry);
                requests.set(slot, count);
            }
            count.increment();
        }

        /**
         * Response headers reached the client {@code nanos} after the request head arrived; a
         * response below 500 also counts in its Apdex zone.
         */
        public void firstByte(int status, long nanos) {
            Timer ttfb = timeToFirstByte;
            if (ttfb == null) {
                ttfb = Timer.builder("meridian.time.to.first.byte")
                        .description("From the request head to the response head sent to the client (proxied responses)")
                        .tags("region", region, "route", route)
                        .serviceLevelObjectives(SLO)
                        .register(registry);
                timeToFirstByte = ttfb;
            }
            ttfb.record(nanos, TimeUnit.NANOSECONDS);
            if (status < 500) {
                int zone = nanos <= satisfiedNanos ? 0 : nanos <= toleratedNanos ? 1 : 2;
                Counter counter = apdex.get(zone);
                if (counter == null) {
                    counter = Counter.builder("meridian.apdex")
                            .description("Proxied responses below 500 by Apdex zone of their time to first byte")
                            .tags("region", region, "route", route, "zone", zone == 0 ? "satisfied" : zone == 1 ? "tolerating" : "frustrated")
                            .register(registry);
                    apdex.set(zone, counter);
                }
                counter.increment();
            }
        }

        /** An attempt in this region ended with {@code outcome}; {@code null}: no free connection. */
        public void attempt(@Nullable Outcome outcome) {
            int i = outcome == null ? OVERLOADED : outcome.ordinal();
            Counter counter = attempts.get(i);
            if (counter == null) {
                counter = Counter.builder("meridian.upstream.attempts")
                        .description("Attempts sent (or tried) to the region's endpoints, by outcome")
                        .tags("region", region, "route", route, "outcome", outcomeLabel(i))
                        .register(registry);
                attempts.set(i, counter);
            }
            counter.increment();
        }

        /** A failed attempt in this region was retried; {@code null} outcome: no free connection. */
        public void retry(@Nullable Outcome outcome) {
            retryCount(outcome == null ? OVERLOADED : outcome.ordinal());
        }

        /** An attempt in this region stuck on an endpoint or region declared down was rescued (sent elsewhere). */
        public void rescued() {
            retryCount(RESCUED);
        }

        private void retryCount(int i) {
            Counter counter = retries.get(i);
            if (counter == null) {
                counter = Counter.builder("meridian.retries")
                        .description("Retries, by the region of the failed attempt and what went wrong")
                        .tags("region", region, "route", route, "reason", outcomeLabel(i))
                        .register(registry);
                retries.set(i, counter);
            }
            counter.increment();
        }

        /** A hedge sent to this region ended its race with {@code result}. */
        public void hedge(HedgeResult result) {
            Counter counter = hedges.get(result.ordinal());
            if (counter == null) {
                counter = Counter.builder("meridian.hedges")
                        .description("Hedged attempts, by the hedge's region and how its race ended")
                        .tags("region", region, "route", route, "result", result.label())
                        .register(registry);
                hedges.set(result.ordinal(), counter);
            }
            counter.increment();
        }

        /** A gRPC call answered by this region ended with {@code grpc-status} {@code code} (see {@link GrpcStatus#index}). */
        public void grpcStatus(int code) {
            Counter counter = grpcStatuses.get(code);
            if (counter == null) {
                counter = Counter.builder("meridian.grpc.responses")
                        .description("gRPC calls by the region that answered and the grpc-status the client received")
                        .tags("region", region, "route", route, "grpc_status", GrpcStatus.LABELS[code])
                        .register(registry);
                grpcStatuses.set(code, counter);
            }
            counter.increment();
        }
    }

    private static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 - 1 : CANCELLED;
    }

    private static String outcomeLabel(int i) {
        return i == OVERLOADED ? "overloaded" : i == RESCUED ? "rescued" : OUTCOMES[i].name().toLowerCase(java.util.Locale.ROOT);
    }
}
