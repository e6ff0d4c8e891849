package dev.meridian.router.controller;

import static java.util.Objects.requireNonNull;

import dev.meridian.router.metrics.RouterMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads each region's cumulative {@link SliCounters} from the router's own meters:
 * {@code meridian_upstream_attempts_total} by outcome and {@code meridian_apdex_total} by zone (each
 * route's responses already counted with that route's thresholds). No work on the request path:
 * the counters exist anyway; a sample walks them, a few hundred meters, off the event loops.
 */
final class SliSampler {

    static final String ATTEMPTS = RouterMeters.UPSTREAM_ATTEMPTS.meterName();
    static final String APDEX = RouterMeters.APDEX.meterName();

    private final MeterRegistry registry;

    SliSampler(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    /** The counters of {@code regions} now; a region without traffic yet has {@link SliCounters#ZERO}. */
    Map<String, SliCounters> sample(List<String> regions) {
        Map<String, SliCounters> counters = new HashMap<>();
        for (String region : regions) {
            counters.put(region, SliCounters.ZERO);
        }
        add(counters, ATTEMPTS, "outcome", SliSampler::ofOutcome);
        add(counters, APDEX, "zone", SliSampler::ofZone);
        return counters;
    }

    /** Adds what each counter named {@code meter} counts, by its {@code tag}, to its region's sum. */
    private void add(Map<String, SliCounters> counters, String meter, String tag, BiFunction<String, Double, SliCounters> counted) {
        for (Counter counter : registry.find(meter).counters()) {
            String region = counter.getId().getTag("region");
            String value = counter.getId().getTag(tag);
            if (region != null && value != null) {
                counters.computeIfPresent(region, (r, sum) -> sum.plus(counted.apply(value, counter.count())));
            }
        }
    }

    private static SliCounters ofOutcome(String outcome, double count) {
        return switch (outcome) {
            case "success" -> new SliCounters(count, 0, 0, 0, 0);
            case "gateway_failure", "timeout" -> new SliCounters(count, count, 0, 0, 0);
            default -> SliCounters.ZERO; // rate limited, client errors, cancelled, overloaded: not the region's availability
        };
    }

    private static SliCounters ofZone(String zone, double count) {
        return switch (zone) {
            case "satisfied" -> new SliCounters(0, 0, count, 0, 0);
            case "tolerating" -> new SliCounters(0, 0, 0, count, 0);
            default -> new SliCounters(0, 0, 0, 0, count);
        };
    }
}
