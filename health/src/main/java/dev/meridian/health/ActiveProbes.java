package dev.meridian.health;

import dev.meridian.config.ProbeConfig;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verdicts of the active probes: an endpoint goes down after {@code unhealthy-threshold}
 * failed probes in a row and comes up after {@code healthy-threshold} good ones; the round trips
 * of good probes make the region's latency EWMA, which the routing policy sees move only by more
 * than {@link #LATENCY_STEP_NANOS} so that noise does not replan. The probes themselves run in a
 * {@link Prober}, on their own threads.
 */
final class ActiveProbes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ActiveProbes.class);

    /** Weight of a new probe round trip in the region's latency EWMA. */
    static final double LATENCY_ALPHA = 0.3;
    /** The latency the routing policy sees moves only by more than this. */
    static final long LATENCY_STEP_NANOS = 1_000_000;

    private final ProbeConfig config;
    private final HealthTimeline timeline;
    private volatile @Nullable Prober prober;

    ActiveProbes(ProbeConfig config, HealthTimeline timeline) {
        this.config = config;
        this.timeline = timeline;
    }

    /**
     * Starts probing {@code endpoints}, reporting to {@code listener}, unless probes are off or
     * started already; whether this call started them. The caller serialises it with
     * {@link #membershipChanged}.
     */
    boolean start(List<EndpointHealth> endpoints, Prober.Listener listener) {
        if (!config.enabled() || prober != null) {
            return false;
        }
        Prober p = new Prober(config, timeline.nanoClock(), listener);
        prober = p;
        p.start(endpoints);
        return true;
    }

    /**
     * A joining endpoint: down until its first good probe (Envoy's rule for hosts added by
     * discovery: one good check, not {@code healthy-threshold}); up at once with probes off.
     */
    void prepareJoining(EndpointHealth eh) {
        if (config.enabled()) {
            eh.up = false;
            eh.probeSuccesses = Math.max(0, config.healthyThreshold() - 1);
        }
    }

    /** Stops probing {@code left} and starts probing {@code joined}, if the probes run. */
    void membershipChanged(Collection<EndpointHealth> left, List<EndpointHealth> joined) {
        Prober p = prober;
        if (p != null) {
            p.remove(left);
            p.add(joined);
        }
    }

    /** A probe result, on the endpoint's probe thread (one probe of an endpoint at a time): up or down, and the latency. */
    void judge(EndpointHealth eh, boolean ok, long rttNanos, @Nullable String problem) {
        if (ok) {
            eh.probeFailures = 0;
            eh.lastProbeProblem = null;
            int successes = eh.probeSuccesses + 1;
            eh.probeSuccesses = successes;
            if (!eh.up && successes >= config.healthyThreshold()) {
                eh.up = true;
                timeline.changed();
                log.info("endpoint {} of {} is up: {} good probes in a row", eh.endpoint.label(), eh.region, successes);
            }
        } else {
            eh.probeSuccesses = 0;
            eh.lastProbeProblem = problem;
            int failures = eh.probeFailures + 1;
            eh.probeFailures = failures;
            if (eh.up && failures >= config.unhealthyThreshold()) {
                eh.up = false;
                eh.withheldFailures.set(0); // the probes pin them on the endpoint: never the region's
                timeline.changed();
                log.warn("endpoint {} of {} is down: {} failed probes in a row, the last: {}",
                        eh.endpoint.label(), eh.region, failures, problem);
                timeline.listener().endpointDown(eh.endpoint, HealthListener.Cause.PROBES);
            }
        }
    }

    /** A good probe's round trip into the region's latency EWMA. */
    void observeLatency(RegionHealth rh, long rttNanos) {
        double updated;
        while (true) {
            long bits = rh.rttEwma.get();
            double current = Double.longBitsToDouble(bits);
            updated = Double.isNaN(current) ? rttNanos : current + LATENCY_ALPHA * (rttNanos - current);
            if (rh.rttEwma.compareAndSet(bits, Double.doubleToRawLongBits(updated))) {
                break;
            }
        }
        long rounded = Math.round(updated);
        long published = rh.latencyNanos;
        if (published < 0 || Math.abs(rounded - published) > LATENCY_STEP_NANOS) {
            rh.latencyNanos = rounded;
            timeline.changed();
        }
    }

    /** Stops the probes and their threads (waiting at most a few seconds). Idempotent. */
    @Override
    public void close() {
        Prober p = prober;
        if (p != null) {
            p.close();
        }
    }
}
