package dev.meridian.router.controller;

import static java.util.Objects.requireNonNull;

import dev.meridian.router.internal.RouterMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        Map<String, double[]> sums = new HashMap<>();
        for (String region : regions) {
            sums.put(region, new double[5]);
        }
        for (Counter counter : registry.find(ATTEMPTS).counters()) {
            double[] sum = sums.get(counter.getId().getTag("region"));
            String outcome = counter.getId().getTag("outcome");
            if (sum == null || outcome == null) {
                continue;
            }
            switch (outcome) {
                case "success" -> sum[0] += counter.count();
                case "gateway_failure", "timeout" -> {
                    sum[0] += counter.count();
                    sum[1] += counter.count();
                }
                default -> { } // rate limited, client errors, cancelled, overloaded: not the region's availability
            }
        }
        for (Counter counter : registry.find(APDEX).counters()) {
            double[] sum = sums.get(counter.getId().getTag("region"));
            String zone = counter.getId().getTag("zone");
            if (sum == null || zone == null) {
                continue;
            }
            switch (zone) {
                case "satisfied" -> sum[2] += counter.count();
                case "tolerating" -> sum[3] += counter.count();
                default -> sum[4] += counter.count();
            }
        }
        Map<String, SliCounters> counters = new HashMap<>();
        sums.forEach((region, s) -> counters.put(region, new SliCounters(s[0], s[1], s[2], s[3], s[4])));
        return counters;
    }
}
