package dev.meridian.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of everything {@link HealthRegistry} knows, for the admin API and for people: why a
 * region takes no traffic (breaker open, every endpoint down or ejected) or less than usual
 * (throttled by a 429). Each value is read separately, so the snapshot is not atomic across
 * regions; it is exact per value.
 *
 * @param version the {@link HealthRegistry#version()} when the snapshot was taken
 * @param regions in configuration order
 */
public record HealthReport(long version, List<RegionReport> regions) {

    public HealthReport {
        regions = List.copyOf(requireNonNull(regions, "regions"));
    }

    /**
     * One region.
     *
     * @param name the region's name
     * @param breaker the circuit breaker's state
     * @param failureRate percentage of failed calls in the breaker's window, or -1 before {@code minimum-calls} calls
     * @param slowCallRate percentage of slow calls in the breaker's window, or -1 before {@code minimum-calls} calls
     * @param latencyNanos the probe round-trip EWMA as the routing policy sees it, or -1 when not measured
     * @param capacity the fraction of its share the region gets: below 1 while throttled by a 429
     * @param throttledFor how long the throttle lasts from now; zero when not throttled
     * @param ejectionsRefused ejections not made because {@code max-ejected-percent} was reached
     * @param endpoints in configuration order
     */
    public record RegionReport(
            String name,
            BreakerState breaker,
            float failureRate,
            float slowCallRate,
            long latencyNanos,
            double capacity,
            Duration throttledFor,
            long ejectionsRefused,
            List<EndpointReport> endpoints) {

        public RegionReport {
            requireNonNull(name, "name");
            requireNonNull(breaker, "breaker");
            requireNonNull(throttledFor, "throttledFor");
            endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        }
    }

    /**
     * One endpoint.
     *
     * @param label {@code host:port} as configured
     * @param probe what the active probes concluded
     * @param available whether it may receive new requests (probed up and not ejected)
     * @param consecutiveFailures gateway failures and timeouts in a row since the last success or ejection
     * @param ejectedFor how long the current ejection lasts from now; zero when not ejected
     * @param timesEjected the multiplier of the next ejection's length minus one: ejections in a row,
     *     reset when the endpoint stayed in rotation for {@code max-ejection}
     * @param ejections how many times it was ejected since the start
     * @param lastProbeProblem why the last probe failed, or {@code null} when it succeeded (or none ran yet)
     */
    public record EndpointReport(
            String label,
            ProbeState probe,
            boolean available,
            int consecutiveFailures,
            Duration ejectedFor,
            int timesEjected,
            long ejections,
            @Nullable String lastProbeProblem) {

        public EndpointReport {
            requireNonNull(label, "label");
            requireNonNull(probe, "probe");
            requireNonNull(ejectedFor, "ejectedFor");
        }
    }
}
