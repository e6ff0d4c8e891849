package dev.meridian.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.ApdexConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.health.Outcome;
import dev.meridian.regions.RoutingDecision;
import dev.meridian.router.http.ErrorResponse;
import dev.meridian.router.http.GrpcStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
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
    /** The labels of the indices above: the {@code reason} of retries and failovers. */
    private static final String[] RETRY_REASONS = Stream.concat(
                    Arrays.stream(OUTCOMES).map(outcome -> outcome.name().toLowerCase(Locale.ROOT)),
                    Stream.of("overloaded", "rescued"))
            .toArray(String[]::new);
    /** The {@code outcome} of attempts: no rescue among them (a rescue is a retry). */
    private static final String[] ATTEMPT_OUTCOMES = Arrays.copyOf(RETRY_REASONS, RESCUED);
    private static final String[] APDEX_ZONES = {"satisfied", "tolerating", "frustrated"};

    /** Hedge results. */
    public enum HedgeResult {
        /** The hedge answered first, or carried on when the first attempt failed. */
        WON,
        /** The first attempt answered first, or the hedge failed. */
        LOST,
        /** The request ended (client left, timeout) before either answered. */
        ABANDONED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String[] HEDGE_RESULTS =
            Arrays.stream(HedgeResult.values()).map(HedgeResult::label).toArray(String[]::new);

    private final MeterRegistry registry;
    private final Map<String, RouteMeters> routes = new HashMap<>();
    private final Map<ErrorResponse, Counter> errorResponses = new EnumMap<>(ErrorResponse.class);

    public RequestMeters(MeterRegistry registry, MeridianConfig config) {
        this.registry = requireNonNull(registry, "registry");
        for (ErrorResponse error : ErrorResponse.values()) {
            // Every code from the start: a rate of errors that never happened is 0, not absent.
            errorResponses.put(error, RouterMeters.ERROR_RESPONSES.counter()
                    .tag("error", error.error())
                    .register(registry));
        }
        for (RouteConfig route : config.routes()) {
            routes.put(route.name(), new RouteMeters(route, config.regions()));
        }
        RouteConfig catchAll = config.defaultRoute();
        routes.putIfAbsent(catchAll.name(), new RouteMeters(catchAll, config.regions()));
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
        failover(from, to, outcome == null ? OVERLOADED : outcome.ordinal());
    }

    /** A rescue went from {@code from} to another region {@code to}. Rare, so looked up in the registry each time. */
    public void failoverRescued(String from, String to) {
        if (!from.equals(to)) {
            failover(from, to, RESCUED);
        }
    }

    private void failover(String from, String to, int reason) {
        RouterMeters.FAILOVERS.counter()
                .tags("from_region", from, "to_region", to, "reason", RETRY_REASONS[reason])
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
        RouterMeters.CLIENT_HTTP2_ERRORS.counter()
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
            retriesRefused = RouterMeters.RETRIES_REFUSED.counter()
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
        private final CountersByLabel apdex;
        private final CountersByLabel attempts;
        private final CountersByLabel retries;
        private final CountersByLabel hedges;
        private final CountersByLabel grpcStatuses;
        private volatile @Nullable Timer timeToFirstByte;

        Cell(RouteConfig route, String region) {
            this.route = route.name();
            this.region = region;
            ApdexConfig thresholds = route.apdex();
            this.satisfiedNanos = thresholds.satisfied().toNanos();
            this.toleratedNanos = thresholds.tolerated().toNanos();
            this.apdex = new CountersByLabel(RouterMeters.APDEX, APDEX_ZONES);
            this.attempts = new CountersByLabel(RouterMeters.UPSTREAM_ATTEMPTS, ATTEMPT_OUTCOMES);
            this.retries = new CountersByLabel(RouterMeters.RETRIES, RETRY_REASONS);
            this.hedges = new CountersByLabel(RouterMeters.HEDGES, HEDGE_RESULTS);
            this.grpcStatuses = new CountersByLabel(RouterMeters.GRPC_RESPONSES, GrpcStatus.LABELS);
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
                time = RouterMeters.REQUEST_TIME.timer()
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
                count = RouterMeters.REQUESTS.counter()
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
                ttfb = RouterMeters.TIME_TO_FIRST_BYTE.timer()
                        .tags("region", region, "route", route)
                        .serviceLevelObjectives(SLO)
                        .register(registry);
                timeToFirstByte = ttfb;
            }
            ttfb.record(nanos, TimeUnit.NANOSECONDS);
            if (status < 500) {
                apdex.increment(nanos <= satisfiedNanos ? 0 : nanos <= toleratedNanos ? 1 : 2);
            }
        }

        /** An attempt in this region ended with {@code outcome}; {@code null}: no free connection. */
        public void attempt(@Nullable Outcome outcome) {
            attempts.increment(outcome == null ? OVERLOADED : outcome.ordinal());
        }

        /** A failed attempt in this region was retried; {@code null} outcome: no free connection. */
        public void retry(@Nullable Outcome outcome) {
            retries.increment(outcome == null ? OVERLOADED : outcome.ordinal());
        }

        /** An attempt in this region stuck on an endpoint or region declared down was rescued (sent elsewhere). */
        public void rescued() {
            retries.increment(RESCUED);
        }

        /** A hedge sent to this region ended its race with {@code result}. */
        public void hedge(HedgeResult result) {
            hedges.increment(result.ordinal());
        }

        /** A gRPC call answered by this region ended with {@code grpc-status} {@code code} (see {@link GrpcStatus#index}). */
        public void grpcStatus(int code) {
            grpcStatuses.increment(code);
        }

        /**
         * The counters of this route and region by the value of one more label (the meter's tag
         * key after region and route), each registered on first use: most values never happen,
         * and a series that never happened is not exported.
         */
        private final class CountersByLabel {
            private final RouterMeters meter;
            private final String label;
            private final String[] values;
            private final AtomicReferenceArray<Counter> counters;

            CountersByLabel(RouterMeters meter, String[] values) {
                this.meter = meter;
                this.label = meter.tagKeys().get(2);
                this.values = values;
                this.counters = new AtomicReferenceArray<>(values.length);
            }

            void increment(int value) {
                Counter counter = counters.get(value);
                if (counter == null) {
                    counter = meter.counter()
                            .tags("region", region, "route", route, label, values[value])
                            .register(registry);
                    counters.set(value, counter);
                }
                counter.increment();
            }
        }
    }

    private static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 - 1 : CANCELLED;
    }

}
