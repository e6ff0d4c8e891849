package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.router.metrics.RequestMeters;
import dev.meridian.router.metrics.RouterMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Traffic per region over the last minutes, for {@code GET /admin/traffic} and the status page:
 * requests, errors (5xx), time to first byte p50/p99 and failovers, in fixed intervals.
 *
 * <p>It reads the router's own meters (the ones {@code RequestMeters} records and {@code /metrics}
 * exports), so the page and the Grafana dashboards show the same numbers: every {@link #sample()}
 * takes the cumulative counts and histogram buckets, and keeps the difference from the previous
 * sample as one interval, in a ring of {@code window / interval} intervals. Percentiles are
 * estimated from the histogram buckets the way Prometheus's {@code histogram_quantile} does
 * (linear inside the bucket), so their resolution is the buckets' (50, 100, 250, 500 ms, ...).
 * Nothing is added to the data path.
 *
 * <p>One thread samples (the admin server's periodic task); any thread reads the last immutable
 * {@link History}.
 *
 * <pre>{@code
 * TrafficHistory traffic = new TrafficHistory(registry, () -> List.of("us-east4"), clock, Duration.ofSeconds(5), Duration.ofMinutes(10));
 * traffic.sample();            // every 5 s
 * AdminReply reply = traffic.reply();
 * }</pre>
 */
final class TrafficHistory {

    // The names RequestMeters registers (the meter catalogue of the data path); TrafficHistoryTest
    // records through RequestMeters, so a renamed meter fails that test rather than silently
    // emptying the page.
    static final String REQUESTS = RouterMeters.REQUEST_TIME.meterName();
    static final String TIME_TO_FIRST_BYTE = RouterMeters.TIME_TO_FIRST_BYTE.meterName();
    static final String FAILOVERS = RouterMeters.FAILOVERS.meterName();

    /** The seconds over which the per-region summary ({@code lastMinute}) is computed. */
    static final Duration SUMMARY = Duration.ofMinutes(1);
    /** Failover events kept at most (the newest), whatever the window. */
    static final int MAX_FAILOVER_EVENTS = 100;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] BOUNDS_MS = RequestMeters.BUCKETS.stream().mapToDouble(d -> d.toNanos() / 1e6).toArray();

    private final MeterRegistry registry;
    private final Supplier<List<String>> regions;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final AtomicReference<History> history;

    /** Cumulative counts at the previous sample; only the sampling thread touches them. */
    private Map<String, Counts> previous;
    private Map<FailoverKey, Long> previousFailovers;

    /**
     * Takes the first reading now: the first interval is the one after it.
     *
     * @param regions the configured regions' names, in the order to list them (read at each reply:
     *     a reload may change them)
     */
    TrafficHistory(MeterRegistry registry, Supplier<List<String>> regions, Clock clock, Duration interval, Duration window) {
        this.registry = requireNonNull(registry, "registry");
        this.regions = requireNonNull(regions, "regions");
        this.clock = requireNonNull(clock, "clock");
        this.interval = requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero() || window.compareTo(interval) < 0) {
            throw new IllegalArgumentException("interval: " + interval + ", window: " + window + " (expected 0 < interval <= window)");
        }
        this.capacity = (int) (window.toMillis() / interval.toMillis());
        this.previous = readCounts();
        this.previousFailovers = readFailovers();
        this.history = new AtomicReference<>(new History(clock.instant(), List.of(), List.of()));
    }

    Duration interval() {
        return interval;
    }

    /** Closes one interval: the traffic since the previous sample. Called by one thread at a time. */
    synchronized void sample() {
        Instant now = clock.instant();
        Map<String, Counts> current = readCounts();
        Map<String, Counts> delta = new HashMap<>();
        current.forEach((region, counts) -> delta.put(region, counts.minus(previous.get(region))));
        previous = current;

        Map<FailoverKey, Long> failovers = readFailovers();
        History last = history.get();
        ArrayDeque<FailoverEvent> events = new ArrayDeque<>(last.failovers());
        failovers.forEach((key, count) -> {
            long more = count - previousFailovers.getOrDefault(key, 0L);
            if (more > 0) {
                events.addFirst(new FailoverEvent(now, key, more));
            }
        });
        previousFailovers = failovers;
        Instant oldest = now.minus(interval.multipliedBy(capacity));
        events.removeIf(e -> e.time().isBefore(oldest));
        while (events.size() > MAX_FAILOVER_EVENTS) {
            events.removeLast();
        }

        List<Interval> intervals = new ArrayList<>(last.intervals());
        intervals.add(new Interval(now, Map.copyOf(delta)));
        if (intervals.size() > capacity) {
            intervals = intervals.subList(intervals.size() - capacity, intervals.size());
        }
        history.set(new History(now, List.copyOf(intervals), List.copyOf(events)));
    }

    /** {@code GET /admin/traffic}. */
    AdminReply reply() {
        History h = history.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("intervalSeconds", interval.toMillis() / 1000.0);
        body.put("windowSeconds", interval.toMillis() * capacity / 1000.0);
        body.put("sampledAt", h.sampledAt().toString());
        ArrayNode bounds = body.putArray("ttfbBucketsMs");
        for (double bound : BOUNDS_MS) {
            bounds.add(bound);
        }
        ArrayNode list = body.putArray("regions");
        for (String region : regions.get()) {
            ObjectNode node = list.addObject();
            node.put("name", region);
            series(node, h, region);
        }
        series(body.putObject("noRegion"), h, RequestMeters.NO_REGION);
        ArrayNode failovers = body.putArray("failovers");
        for (FailoverEvent e : h.failovers()) {
            ObjectNode node = failovers.addObject();
            node.put("time", e.time().toString());
            node.put("from", e.key().from());
            node.put("to", e.key().to());
            node.put("reason", e.key().reason());
            node.put("count", e.count());
        }
        return AdminReply.json(200, body);
    }

    private void series(ObjectNode node, History h, String region) {
        Counts summary = Counts.ZERO;
        Instant from = h.sampledAt().minus(SUMMARY);
        Instant first = null;
        for (Interval i : h.intervals()) {
            if (i.end().isAfter(from)) {
                summary = summary.plus(i.counts(region));
                if (first == null) {
                    first = i.end().minus(interval);
                }
            }
        }
        ObjectNode recent = node.putObject("lastMinute");
        double seconds = first == null ? 0 : Duration.between(first, h.sampledAt()).toMillis() / 1000.0;
        recent.put("seconds", seconds);
        recent.put("requests", summary.requests());
        recent.put("errors", summary.errors());
        recent.put("requestsPerSecond", seconds == 0 ? 0 : Math.round(summary.requests() / seconds * 100) / 100.0);
        putMs(recent, "ttfbP50Ms", summary.quantileMs(0.5));
        putMs(recent, "ttfbP99Ms", summary.quantileMs(0.99));
        ArrayNode points = node.putArray("points");
        for (Interval i : h.intervals()) {
            Counts c = i.counts(region);
            ObjectNode point = points.addObject();
            point.put("time", i.end().toString());
            point.put("requests", c.requests());
            point.put("errors", c.errors());
            putMs(point, "ttfbP50Ms", c.quantileMs(0.5));
            putMs(point, "ttfbP99Ms", c.quantileMs(0.99));
        }
    }

    private static void putMs(ObjectNode node, String key, @Nullable Double ms) {
        if (ms == null) {
            node.putNull(key);
        } else {
            node.put(key, Math.round(ms * 10) / 10.0);
        }
    }

    /** The cumulative counts of every region that has meters (and of {@code none}). */
    private Map<String, Counts> readCounts() {
        Map<String, Counts> out = new HashMap<>();
        for (Timer timer : registry.find(REQUESTS).timers()) {
            String region = timer.getId().getTag("region");
            if (region == null) {
                continue;
            }
            long count = timer.count();
            boolean error = "5xx".equals(timer.getId().getTag("status_class"));
            out.merge(region, new Counts(count, error ? count : 0, 0, new long[BOUNDS_MS.length]), Counts::plus);
        }
        for (Timer timer : registry.find(TIME_TO_FIRST_BYTE).timers()) {
            String region = timer.getId().getTag("region");
            if (region == null) {
                continue;
            }
            long[] buckets = new long[BOUNDS_MS.length];
            for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
                int index = boundIndex(bucket.bucket(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e6);
                if (index >= 0) {
                    buckets[index] = (long) bucket.count();
                }
            }
            out.merge(region, new Counts(0, 0, timer.count(), buckets), Counts::plus);
        }
        return out;
    }

    private static int boundIndex(double ms) {
        for (int i = 0; i < BOUNDS_MS.length; i++) {
            if (Math.abs(BOUNDS_MS[i] - ms) < 1e-6) {
                return i;
            }
        }
        return -1;
    }

    private Map<FailoverKey, Long> readFailovers() {
        Map<FailoverKey, Long> out = new HashMap<>();
        for (Counter counter : registry.find(FAILOVERS).counters()) {
            String from = counter.getId().getTag("from_region");
            String to = counter.getId().getTag("to_region");
            String reason = counter.getId().getTag("reason");
            if (from != null && to != null && reason != null) {
                out.merge(new FailoverKey(from, to, reason), (long) counter.count(), Long::sum);
            }
        }
        return out;
    }

    /**
     * The value below which {@code q} of the {@code count} observations fall, from cumulative
     * bucket counts ({@code cumulative[i]} observations at most {@code bounds[i]}): linear
     * interpolation inside the bucket that holds the rank, as Prometheus's
     * {@code histogram_quantile}; the highest bound when the rank is above it; {@code null}
     * without observations.
     */
    static @Nullable Double quantile(double q, long count, long[] cumulative, double[] bounds) {
        if (count <= 0) {
            return null;
        }
        double rank = q * count;
        long below = 0;
        double lower = 0;
        for (int i = 0; i < bounds.length; i++) {
            long upTo = Math.max(below, cumulative[i]);
            if (upTo >= rank && upTo > below) {
                return lower + (bounds[i] - lower) * (rank - below) / (upTo - below);
            }
            below = upTo;
            lower = bounds[i];
        }
        return bounds[bounds.length - 1];
    }

    /** Counts of one region, cumulative or per interval. */
    private record Counts(long requests, long errors, long ttfbCount, long[] ttfbBuckets) {
        static final Counts ZERO = new Counts(0, 0, 0, new long[BOUNDS_MS.length]);

        Counts plus(Counts other) {
            long[] buckets = new long[BOUNDS_MS.length];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = ttfbBuckets[i] + other.ttfbBuckets[i];
            }
            return new Counts(requests + other.requests, errors + other.errors, ttfbCount + other.ttfbCount, buckets);
        }

        /** This minus an earlier reading; never negative (a meter that was removed and registered again starts at 0). */
        Counts minus(@Nullable Counts earlier) {
            Counts e = earlier == null ? ZERO : earlier;
            long[] buckets = new long[BOUNDS_MS.length];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = Math.max(0, ttfbBuckets[i] - e.ttfbBuckets[i]);
            }
            return new Counts(Math.max(0, requests - e.requests), Math.max(0, errors - e.errors),
                    Math.max(0, ttfbCount - e.ttfbCount), buckets);
        }

        @Nullable Double quantileMs(double q) {
            return quantile(q, ttfbCount, ttfbBuckets, BOUNDS_MS);
        }
    }

    private record Interval(Instant end, Map<String, Counts> regions) {
        Counts counts(String region) {
            return regions.getOrDefault(region, Counts.ZERO);
        }
    }

    private record FailoverKey(String from, String to, String reason) {}

    private record FailoverEvent(Instant time, FailoverKey key, long count) {}

    /** What a reply reads: the intervals (oldest first) and failover events (newest first). */
    private record History(Instant sampledAt, List<Interval> intervals, List<FailoverEvent> failovers) {}
}
