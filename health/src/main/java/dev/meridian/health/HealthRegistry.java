package dev.meridian.health;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.HealthConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.HealthSignals;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of every region and endpoint of one {@link RoutingTable}: the {@link HealthSignals}
 * the routing policy reads, and where the data path {@link #record records} outcomes. A small
 * facade over one package-private class per mechanism ({@code ActiveProbes},
 * {@code OutlierDetection}, {@code RegionBreakers}, {@code Throttles}, {@code StallSuspicion}) and
 * the {@code Membership} of regions and endpoints; it decides only whose a failure is, the
 * endpoint's or the region's, so that outlier ejection and the breaker agree.
 * Every method may be called from any thread; the data-path ones take no lock and never block.
 * How it all works: {@code src/docs/health.md}.
 *
 * <pre>{@code
 * HealthRegistry health = HealthRegistry.create(table, config.health());
 * health.startProbes();                                  // off the event loops
 * RoutingPolicy policy = ...(table, health);             // reads isAvailable, admits, latencyNanos, capacity
 * health.record(endpoint, Outcome.GATEWAY_FAILURE, elapsedNanos, null);   // from any event loop
 * health.close();
 * }</pre>
 */
public final class HealthRegistry implements HealthSignals, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthRegistry.class);

    private final HealthConfig config;
    private final Membership membership;
    private final HealthTimeline timeline;
    private final ActiveProbes probes;
    private final OutlierDetection outliers;
    private final RegionBreakers breakers;
    private final Throttles throttles;
    private final StallSuspicion stalls;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HealthRegistry(RoutingTable table, HealthConfig config, LongSupplier nanoClock) {
        this.config = config;
        this.timeline = new HealthTimeline(nanoClock);
        this.probes = new ActiveProbes(config.probe(), timeline);
        this.outliers = new OutlierDetection(config.outlier(), timeline);
        this.breakers = new RegionBreakers(config.breaker(), timeline);
        this.throttles = new Throttles(config.rateLimit(), timeline);
        this.stalls = new StallSuspicion(timeline, breakers);
        this.membership = new Membership(table, breakers, probes, timeline);
    }

    /** A registry on the system clock; probes start with {@link #startProbes()}. */
    public static HealthRegistry create(RoutingTable table, HealthConfig config) {
        return create(table, config, System::nanoTime);
    }

    /**
     * A registry on the given clock (tests drive ejections, throttles and breakers with it).
     *
     * @param nanoClock monotonic nanoseconds, like {@link System#nanoTime()}
     */
    public static HealthRegistry create(RoutingTable table, HealthConfig config, LongSupplier nanoClock) {
        return new HealthRegistry(requireNonNull(table, "table"), requireNonNull(config, "config"),
                requireNonNull(nanoClock, "nanoClock"));
    }

    /**
     * Starts probing every endpoint, unless {@code health.probe.enabled} is false (then every
     * endpoint stays {@link ProbeState#UP}). Idempotent. Creates the probe threads: call it off
     * the event loops.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void startProbes() {
        if (closed.get()) {
            throw new IllegalStateException("closed");
        }
        if (membership.startProbes(this::probed) && closed.get()) { // closed concurrently: make sure nothing keeps running
            probes.close();
        }
    }

    /**
     * Follows {@code next}, this registry's table with the endpoints of some regions changed by
     * DNS ({@link RoutingTable#withAddresses}); call it off the event loops, before publishing a
     * policy over {@code next}.
     *
     * <ul>
     *   <li>An endpoint still in {@code next} (the same {@link Endpoint} object) keeps everything:
     *       probe state, failures, ejections.
     *   <li>A joining endpoint is down until its first good probe, which is sent at once (Envoy's
     *       rule for hosts added by discovery: one good check, not {@code healthy-threshold});
     *       with probes off it is up at once.
     *   <li>A leaving endpoint is retired: unavailable from now on (no new requests, even from a
     *       policy over the old table), no longer probed, its requests in flight finish and their
     *       outcomes are ignored. It is forgotten at the next update.
     *   <li>Regions keep their breakers, throttles and latency: the region did not change, its
     *       replicas did.
     * </ul>
     *
     * @throws IllegalArgumentException when {@code next} has a region this registry does not know
     */
    public void update(RoutingTable next) {
        membership.update(requireNonNull(next, "next"));
    }

    /**
     * From now on, tells {@code listener} whenever an endpoint or region is taken out of rotation.
     * Set it before traffic flows; transitions before are not repeated.
     */
    public void listen(HealthListener listener) {
        timeline.listen(listener);
    }

    /**
     * The data path's stall detection suspects {@code region}: its attempts keep waiting past their
     * expected time to first byte and none is answered. The region admits no new requests until
     * a probe of it that started after now succeeds, or {@code breaker.open-duration} passed; a
     * region suspected again within {@code open-duration} of its last suspicion's end also has its
     * breaker opened (the probes keep passing while requests hang). Any thread; never blocks.
     *
     * @param why for the log line, e.g. {@code "3 attempts waited over 1000 ms, no answer for 1200 ms"}
     * @return whether this call made it suspected (it was not already)
     */
    public boolean suspect(Region region, String why) {
        RegionHealth rh = membership.region(requireNonNull(region, "region"));
        return rh != null && stalls.suspect(rh, region, why);
    }

    /**
     * The outcome of one upstream attempt, from the data path: any thread, never blocks.
     *
     * @param durationNanos how long the attempt took (to the response headers, or to the failure)
     * @param retryAfter for {@link Outcome#RATE_LIMITED}: the {@code Retry-After} the endpoint sent,
     *     or {@code null} when it sent none that could be read (then {@code rate-limit.default-retry-after})
     */
    public void record(Endpoint endpoint, Outcome outcome, long durationNanos, @Nullable Duration retryAfter) {
        requireNonNull(outcome, "outcome");
        EndpointHealth eh = membership.endpoint(requireNonNull(endpoint, "endpoint"));
        if (eh == null || eh.retired) {
            return;
        }
        RegionHealth region = eh.region;
        long duration = Math.max(0, durationNanos);
        switch (outcome) {
            case SUCCESS -> {
                if (eh.consecutiveFailures.get() != 0) {
                    eh.consecutiveFailures.set(0);
                }
                // The run ended without an ejection: its failures were the region's after all.
                breakers.showWithheldFailures(eh, duration, Outcome.GATEWAY_FAILURE);
                breakers.success(region, duration);
            }
            case GATEWAY_FAILURE, TIMEOUT -> failed(eh, outcome, duration);
            case RATE_LIMITED -> throttles.throttle(region, retryAfter);
            case CLIENT_ERROR, CANCELLED -> {
                // Not the endpoint's fault, and no evidence that it works either.
            }
        }
    }

    // ---- HealthSignals ----

    /**
     * Probed up (endpoints start up; those DNS adds later start down) and not ejected, and still
     * in its DNS answer. Unknown endpoints are available.
     */
    @Override
    public boolean isAvailable(Endpoint endpoint) {
        EndpointHealth eh = membership.endpoint(endpoint);
        if (eh == null) {
            return true;
        }
        return eh.up && !eh.retired && !outliers.isEjected(eh);
    }

    /**
     * False while the region's breaker is open and its open period has not passed, and while it
     * is suspected of a stall.
     */
    @Override
    public boolean admits(Region region) {
        RegionHealth rh = membership.region(region);
        return rh == null || (stalls.admits(rh) && breakers.admits(rh));
    }

    /** The region's probe round-trip EWMA, as last moved by more than 1 ms; -1 before a good probe. */
    @Override
    public long latencyNanos(Region region) {
        RegionHealth rh = membership.region(region);
        return rh == null ? -1 : rh.latencyNanos;
    }

    /** {@code rate-limit.capacity} while a 429's Retry-After runs, else 1. */
    @Override
    public double capacity(Region region) {
        RegionHealth rh = membership.region(region);
        return rh == null ? 1.0 : throttles.capacity(rh);
    }

    /**
     * Changes whenever an answer may have changed. One volatile read while nothing is due to
     * expire; otherwise also a clock read, and, once an ejection, throttle or open period has
     * ended, the bump (and the log lines of returns).
     */
    @Override
    public long version() {
        long deadline = timeline.nextDeadline();
        if (deadline != HealthTimeline.NO_DEADLINE && timeline.now() >= deadline) {
            passDeadline(deadline);
        }
        return timeline.version();
    }

    /** A snapshot of every region and endpoint. */
    public HealthReport report() {
        long v = version();
        long now = timeline.now();
        List<HealthReport.RegionReport> out = new ArrayList<>(membership.regions().size());
        for (RegionHealth rh : membership.regions()) {
            Ejections ejections = rh.ejections.get();
            List<HealthReport.EndpointReport> endpoints = new ArrayList<>(rh.endpoints.length);
            for (EndpointHealth eh : rh.endpoints) {
                boolean ejected = ejections.isEjected(eh.index, now);
                endpoints.add(new HealthReport.EndpointReport(
                        eh.endpoint.label(),
                        eh.up ? ProbeState.UP : ProbeState.DOWN,
                        eh.up && !ejected,
                        eh.consecutiveFailures.get(),
                        ejected ? Duration.ofNanos(ejections.until(eh.index) - now) : Duration.ZERO,
                        ejections.times(eh.index),
                        eh.ejections.get(),
                        eh.lastProbeProblem));
            }
            out.add(new HealthReport.RegionReport(
                    rh.region.name(),
                    breakers.state(rh, now),
                    breakers.failureRate(rh),
                    breakers.slowCallRate(rh),
                    rh.latencyNanos,
                    throttles.capacity(rh, now),
                    throttles.remaining(rh, now),
                    rh.ejectionsRefused.sum(),
                    endpoints));
        }
        return new HealthReport(v, out);
    }

    /** How many {@link Ejections} slots {@code region} has handed out (tests check that DNS churn stays bounded). */
    int slotsOf(String region) {
        return membership.slotsOf(region);
    }

    /** Stops the probes and their threads (waiting at most a few seconds). The answers stay available. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        probes.close();
    }

    // ---- probes ----

    /** A probe result as the prober reports it (tests drive the registry through it without sockets). */
    void probeResult(Endpoint endpoint, long startedNanos, boolean ok, long rttNanos, @Nullable String problem) {
        EndpointHealth eh = membership.endpoint(endpoint);
        if (eh != null) {
            probed(eh, startedNanos, ok, rttNanos, problem);
        }
    }

    /** A probe result, on the endpoint's probe thread; one probe of an endpoint at a time. */
    private void probed(EndpointHealth eh, long startedNanos, boolean ok, long rttNanos, @Nullable String problem) {
        if (eh.retired) {
            return; // a probe that was in flight when its address left the DNS answer
        }
        probes.judge(eh, ok, rttNanos, problem);
        if (!ok) {
            return;
        }
        if (config.outlier().unejectOnProbeSuccess()) { // recovery as fast as detection
            outliers.probeSucceeded(eh, startedNanos);
            breakers.tryAfterGoodProbe(eh, startedNanos);
        }
        stalls.probeSucceeded(eh, startedNanos);
        if (rttNanos >= 0) {
            probes.observeLatency(eh.region, rttNanos);
        }
    }

    // ---- whose failure: the endpoint's or the region's ----

    /**
     * A gateway failure or timeout of {@code eh}: counted towards its ejection, and shown to the
     * region's breaker unless outlier detection may still pin it on the endpoint (held back while
     * another endpoint of the region does fine; the region's as soon as every endpoint in rotation
     * fails, or no more may be ejected).
     */
    private void failed(EndpointHealth eh, Outcome outcome, long duration) {
        RegionHealth region = eh.region;
        long now = timeline.now();
        Ejections current = region.ejections.get();
        if (!eh.up || (current.anyPending() && current.isEjected(eh.index, now))) {
            return; // requests still in flight to an endpoint out of rotation: it is already out
        }
        int failures = eh.consecutiveFailures.incrementAndGet();
        eh.withheldFailures.incrementAndGet();
        if (failures >= config.outlier().consecutiveFailures()) {
            if (outliers.eject(eh, failures)) {
                eh.withheldFailures.set(0); // pinned on the endpoint: the region's breaker never sees them
                return;
            }
            if (breakers.isClosed(region)
                    && !OutlierDetection.anotherEndpointDoesFine(eh, region.ejections.get(), now)) {
                // Outlier detection may eject no more, and every endpoint in rotation fails: the
                // region fails as a whole, which is the breaker's business, at once (a time window
                // full of the successes before the failure would take seconds to notice).
                log.warn("region {} fails as a whole: every endpoint in rotation is failing and max-ejected-percent "
                        + "allows no more ejections", region);
                breakers.showWithheldFailures(eh, duration, outcome);
                breakers.openAsWhole(region);
                return;
            }
        } else if (breakers.isClosed(region) && current.ejected(now) < outliers.ejectable(region)) {
            if (OutlierDetection.anotherEndpointDoesFine(eh, current, now)) {
                return; // held back: it looks like this endpoint's failure, and outlier detection may still eject it
            }
            // Every endpoint in rotation is failing: so is the region, and every failure held back is its.
            for (EndpointHealth other : region.endpoints) {
                if (other != eh) {
                    breakers.showWithheldFailures(other, duration, Outcome.GATEWAY_FAILURE);
                }
            }
        }
        breakers.showWithheldFailures(eh, duration, outcome);
    }

    // ---- deadlines ----

    /**
     * Something ended at {@code deadline}: each mechanism announces what ended and registers what
     * is still pending, and the version moves. One thread does it.
     */
    private void passDeadline(long deadline) {
        if (!timeline.claim(deadline)) {
            return;
        }
        long now = timeline.now();
        for (RegionHealth rh : membership.regions()) {
            outliers.passDeadline(rh, now);
            stalls.passDeadline(rh, now);
            throttles.passDeadline(rh, now);
            breakers.passDeadline(rh, now);
        }
        timeline.changed();
    }
}
