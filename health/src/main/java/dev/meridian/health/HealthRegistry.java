package dev.meridian.health;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.BreakerConfig;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.HealthSignals;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of every region and endpoint of one {@link RoutingTable}, from four sources (see
 * {@code src/docs/health.md}): active probes, passive outlier ejection from the outcomes the data
 * path {@link #record records}, a Resilience4j circuit breaker per region, and the throttle of a
 * region that answered 429. It is the {@link HealthSignals} the routing policy reads.
 *
 * <pre>{@code
 * HealthRegistry health = HealthRegistry.create(table, config.health());
 * health.startProbes();
 * RoutingPolicy policy = ...(table, health);           // reads isAvailable, admits, latencyNanos, capacity
 * health.record(endpoint, Outcome.GATEWAY_FAILURE, elapsedNanos, null);   // from any event loop
 * ...
 * health.close();
 * }</pre>
 *
 * <h2>Threads</h2>
 *
 * Every method may be called from any thread. The data-path methods ({@link #record} and the
 * {@link HealthSignals} answers) never block and take no lock: state is in atomics and immutable
 * snapshots replaced by compare-and-set. The breakers use Resilience4j's lock-free sliding window
 * ({@link SlidingWindowSynchronizationStrategy#LOCK_FREE}; the default one takes a
 * {@code ReentrantLock} per call) and no event consumers (which would allocate an event per
 * call); state transitions are noticed by comparing the breaker's state after each call. Probes
 * run on their own {@code meridian-probe} threads. {@link #startProbes()} and {@link #close()}
 * wait for threads to start or stop and belong off the event loops.
 *
 * <h2>Versions and time</h2>
 *
 * {@link #version()} changes whenever an answer may have changed: a probe transition, an
 * ejection, a breaker transition, the start of a throttle, or a move of a region's latency by
 * more than 1 ms. Ends of ejections, throttles and open periods are not events; the registry
 * keeps the earliest such deadline and {@code version()} notices it has passed (and logs
 * returns) when read after it. All times come from the injected nano clock.
 *
 * <h2>Breakers</h2>
 *
 * A breaker's open period is checked against the nano clock by the registry, not by a
 * Resilience4j scheduler: once it has passed, {@link #admits} answers {@code true} and the
 * breaker moves to half-open. In half-open every request is let through (not only
 * {@code half-open-calls} of them); the first {@code half-open-calls} recorded outcomes close or
 * re-open it. Gating individual requests would need a permission per request, which the routing
 * policy, deciding for many requests at once, cannot ask for.
 *
 * <h2>Breakers and outliers agree</h2>
 *
 * The breaker judges a region as a whole. While it is closed, the failures of an endpoint's
 * current run are held back from it as long as they look like the endpoint's own (another
 * endpoint of the region in rotation is not failing) and outlier detection may still eject the
 * endpoint for them: if it does (or probes mark the endpoint down), the breaker never sees them;
 * if the run ends with a success, every endpoint in rotation is failing, or the region cannot
 * eject more endpoints ({@code max-ejected-percent}), they are the region's and the breaker gets
 * them then.
 * Failures of requests to an endpoint already out of rotation are not counted at all. So a region
 * that loses half its replicas keeps its designed share instead of tripping its breaker.
 *
 * <h2>Returning at once, and stalls</h2>
 *
 * With {@code outlier.uneject-on-probe-success} an ejected endpoint returns at its first good
 * probe that started after the ejection began. {@link #suspect} is the data path's stall
 * detection: a suspected region admits nothing until a probe of it that started after the
 * suspicion succeeds (or {@code breaker.open-duration} passed); suspected again within
 * {@code open-duration} of the last suspicion's end, its breaker opens. Every transition that
 * takes an endpoint or region out of rotation is told to the {@link HealthListener}.
 *
 * <h2>Endpoints that come and go</h2>
 *
 * The registry belongs to one configuration's routing table, and follows the changes DNS makes to
 * its endpoints through {@link #update}: a joining endpoint is down until its first good probe
 * (up at once when probes are off), a leaving one takes no new requests. Endpoints and regions of
 * another configuration's table are unknown to it, and are answered as healthy and recorded
 * nowhere.
 */
public final class HealthRegistry implements HealthSignals, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthRegistry.class);

    /** A Retry-After beyond this is taken as this: one bad header must not throttle a region for a day. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    /** Weight of a new probe round trip in the region's latency EWMA. */
    static final double LATENCY_ALPHA = 0.3;
    /** The latency the routing policy sees moves only by more than this, so that noise does not replan. */
    static final long LATENCY_STEP_NANOS = 1_000_000;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    /** Passed to the breaker; never thrown. Without a stack trace: one is made per failed call. */
    private static final Exception GATEWAY_FAILURE = new UpstreamFailure("gateway failure");
    private static final Exception TIMEOUT = new UpstreamFailure("timeout");

    private final HealthConfig config;
    private final LongSupplier nanoClock;
    private final List<RegionHealth> regions;
    /** Replaced whole by {@link #update} (new {@link Region} objects for regions whose endpoints changed). */
    private volatile Map<Region, RegionHealth> byRegion;
    /** The same by name, for a {@link Region} object of an earlier DNS answer of this configuration (held by an attempt). */
    private volatile Map<String, RegionHealth> byRegionName;
    /** Replaced whole by {@link #update}; endpoints that left stay (retired) until the update after. */
    private volatile Map<Endpoint, EndpointHealth> byEndpoint;
    /** Guards {@link #update} and the start of the probes; never taken on the data path. */
    private final Object membership = new Object();
    /** Per region name: the {@link Ejections} slots in use. Guarded by {@link #membership}. */
    private final Map<String, EndpointSlots> slots = new HashMap<>();
    private final long baseEjectionNanos;
    private final long maxEjectionNanos;
    private final long openNanos;

    private final AtomicLong version = new AtomicLong();
    /** The earliest time at which an answer changes by itself (an ejection, throttle or open period ends). */
    private final AtomicLong nextDeadline = new AtomicLong(NO_DEADLINE);

    private final AtomicBoolean probesStarted = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable Prober prober;
    private volatile HealthListener listener = HealthListener.NONE;

    private HealthRegistry(RoutingTable table, HealthConfig config, LongSupplier nanoClock) {
        this.config = config;
        this.nanoClock = nanoClock;
        this.baseEjectionNanos = config.outlier().baseEjection().toNanos();
        this.maxEjectionNanos = config.outlier().maxEjection().toNanos();
        this.openNanos = config.breaker().openDuration().toNanos();
        CircuitBreakerConfig breakerConfig = breakerConfig(config.breaker(), nanoClock);
        List<RegionHealth> list = new ArrayList<>();
        Map<Region, RegionHealth> regionMap = new HashMap<>();
        Map<Endpoint, EndpointHealth> endpointMap = new HashMap<>();
        for (Region region : table.regions()) {
            RegionHealth rh = new RegionHealth(region, CircuitBreaker.of("meridian-" + region.name(), breakerConfig));
            List<Endpoint> endpoints = region.endpoints();
            EndpointHealth[] array = new EndpointHealth[endpoints.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = new EndpointHealth(endpoints.get(i), rh, i);
                endpointMap.put(endpoints.get(i), array[i]);
            }
            rh.endpoints = array;
            slots.put(region.name(), new EndpointSlots(array.length));
            list.add(rh);
            regionMap.put(region, rh);
        }
        this.regions = List.copyOf(list);
        this.byRegion = Map.copyOf(regionMap);
        this.byRegionName = byName(regionMap);
        this.byEndpoint = Map.copyOf(endpointMap);
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

    private static CircuitBreakerConfig breakerConfig(BreakerConfig b, LongSupplier nanoClock) {
        return CircuitBreakerConfig.custom()
                // Time-based: a count-based window sized for a quiet region lasts milliseconds under load.
                // Resilience4j 2.3's lock-free time window reads System.nanoTime() itself (it ignores
                // the clock below), which is the registry's clock in production; the lock-free
                // window is kept because the other one takes a lock on every call, on event loops.
                .slidingWindow((int) b.window().toSeconds(), b.minimumCalls(), SlidingWindowType.TIME_BASED,
                        SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .failureRateThreshold(b.failureRateThreshold())
                .slowCallRateThreshold(b.slowCallRateThreshold())
                .slowCallDurationThreshold(b.slowCallDuration())
                .waitDurationInOpenState(b.openDuration())
                .permittedNumberOfCallsInHalfOpenState(b.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .writableStackTraceEnabled(false)
                .clock(new NanoTimeClock(nanoClock))
                .build();
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
        synchronized (membership) { // the endpoints probed are those of the table in force
            if (!config.probe().enabled() || !probesStarted.compareAndSet(false, true)) {
                return;
            }
            Prober p = new Prober(config.probe(), nanoClock, this::probed);
            prober = p;
            List<EndpointHealth> all = new ArrayList<>();
            for (RegionHealth region : regions) {
                all.addAll(List.of(region.endpoints));
            }
            p.start(all);
            if (closed.get()) { // closed concurrently: make sure nothing keeps running
                p.close();
            }
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
        requireNonNull(next, "next");
        synchronized (membership) {
            long now = nanoClock.getAsLong();
            Map<String, RegionHealth> byName = new HashMap<>();
            for (RegionHealth rh : regions) {
                byName.put(rh.region.name(), rh);
            }
            Map<Endpoint, EndpointHealth> endpoints = new HashMap<>(byEndpoint);
            endpoints.values().removeIf(eh -> eh.retired); // retired at the last update: no policy picks them any more
            Map<Region, RegionHealth> regionMap = new HashMap<>();
            List<EndpointHealth> joined = new ArrayList<>();
            List<EndpointHealth> left = new ArrayList<>();
            for (Region region : next.regions()) {
                RegionHealth rh = byName.get(region.name());
                if (rh == null) {
                    throw new IllegalArgumentException("update: region " + region.name() + " is not one of this registry's");
                }
                regionMap.put(region, rh);
                EndpointHealth[] before = rh.endpoints;
                List<Endpoint> wanted = region.endpoints();
                Map<Endpoint, EndpointHealth> current = new IdentityHashMap<>();
                for (EndpointHealth eh : before) {
                    current.put(eh.endpoint, eh);
                }
                EndpointSlots regionSlots = slots.get(region.name());
                EndpointHealth[] after = new EndpointHealth[wanted.size()];
                List<Integer> fresh = new ArrayList<>();
                for (int i = 0; i < after.length; i++) {
                    EndpointHealth eh = current.remove(wanted.get(i));
                    if (eh == null) {
                        eh = new EndpointHealth(wanted.get(i), rh, regionSlots.take(now));
                        if (config.probe().enabled()) {
                            eh.up = false;
                            eh.probeSuccesses = Math.max(0, config.probe().healthyThreshold() - 1);
                        }
                        joined.add(eh);
                        fresh.add(eh.index);
                        endpoints.put(eh.endpoint, eh);
                    }
                    after[i] = eh;
                }
                for (EndpointHealth eh : current.values()) {
                    eh.retired = true;
                    left.add(eh);
                    regionSlots.free(eh.index, now);
                    fresh.add(eh.index);
                }
                if (fresh.isEmpty()) {
                    continue;
                }
                while (true) { // the data path may eject meanwhile: compare-and-set like it does
                    Ejections e = rh.ejections.get();
                    Ejections cleared = e.grown(regionSlots.size());
                    for (int slot : fresh) {
                        cleared = cleared.cleared(slot);
                    }
                    if (rh.ejections.compareAndSet(e, cleared)) {
                        break;
                    }
                }
                rh.endpoints = after;
            }
            byRegion = Map.copyOf(regionMap);
            byRegionName = byName(regionMap);
            byEndpoint = Map.copyOf(endpoints);
            Prober p = prober;
            if (p != null) {
                p.remove(left);
                p.add(joined);
            }
            if (!joined.isEmpty() || !left.isEmpty()) {
                changed();
            }
            for (EndpointHealth eh : joined) {
                log.info("endpoint {} of {} joined{}", eh.endpoint.label(), eh.region,
                        eh.up ? "" : "; it takes traffic after its first good probe");
            }
            for (EndpointHealth eh : left) {
                log.info("endpoint {} of {} left: no new requests, {} in flight finish", eh.endpoint.label(), eh.region,
                        eh.endpoint.outstanding());
            }
        }
    }

    /**
     * From now on, tells {@code listener} whenever an endpoint or region is taken out of rotation.
     * Set it before traffic flows; transitions before are not repeated.
     */
    public void listen(HealthListener listener) {
        this.listener = requireNonNull(listener, "listener");
    }


    private static Map<String, RegionHealth> byName(Map<Region, RegionHealth> regionMap) {
        Map<String, RegionHealth> out = new HashMap<>();
        regionMap.forEach((region, rh) -> out.put(region.name(), rh));
        return Map.copyOf(out);
    }

    /**
     * The health of {@code region}: found by identity, or, for the object of an earlier DNS answer
     * of the same configuration (an attempt started before the answer changed), by name; {@code null}
     * for a region of another configuration.
     */
    private @Nullable RegionHealth regionHealth(Region region) {
        RegionHealth rh = byRegion.get(region);
        if (rh == null) {
            RegionHealth named = byRegionName.get(region.name());
            if (named != null && named.region.config() == region.config()) {
                rh = named;
            }
        }
        return rh;
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
        RegionHealth rh = regionHealth(requireNonNull(region, "region"));
        if (rh == null) {
            return false;
        }
        long now = nanoClock.getAsLong();
        if (!rh.suspectedSince.compareAndSet(RegionHealth.NOT_SUSPECTED, now)) {
            return false;
        }
        registerDeadline(now + openNanos);
        changed();
        long lastEnded = rh.suspicionEnded;
        boolean again = lastEnded != RegionHealth.NOT_SUSPECTED && now - lastEnded < openNanos;
        log.warn("region {} is suspected of a stall: {}; new requests avoid it until a probe confirms it answers", rh, why);
        listener.regionDown(region, HealthListener.Cause.STALLED);
        CircuitBreaker.State state = rh.breaker.getState();
        if (again && state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN) {
            log.warn("region {} stalled again {} after its probes cleared it: opening its circuit breaker", rh,
                    DurationFormat.ofNanos(now - lastEnded));
            rh.breaker.transitionToOpenState();
            checkBreaker(rh);
        }
        return true;
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
        EndpointHealth eh = byEndpoint.get(requireNonNull(endpoint, "endpoint"));
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
                showWithheldFailures(eh, duration);
                region.breaker.onSuccess(duration, TimeUnit.NANOSECONDS);
                checkBreaker(region);
            }
            case GATEWAY_FAILURE, TIMEOUT -> failed(eh, outcome, duration);
            case RATE_LIMITED -> throttle(region, retryAfter);
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
        EndpointHealth eh = byEndpoint.get(endpoint);
        if (eh == null) {
            return true;
        }
        if (!eh.up || eh.retired) {
            return false;
        }
        Ejections ejections = eh.region.ejections.get();
        return !ejections.anyPending() || !ejections.isEjected(eh.index, nanoClock.getAsLong());
    }

    /**
     * False while the region's breaker is open and its open period has not passed, and while it
     * is suspected of a stall.
     */
    @Override
    public boolean admits(Region region) {
        RegionHealth rh = regionHealth(region);
        if (rh == null) {
            return true;
        }
        long suspected = rh.suspectedSince.get();
        if (suspected != RegionHealth.NOT_SUSPECTED) {
            if (nanoClock.getAsLong() - suspected < openNanos) {
                return false;
            }
            endSuspicion(rh, suspected, "no probe cleared it within " + DurationFormat.ofNanos(openNanos) + ": it is tried again");
        }
        if (rh.breaker.getState() != CircuitBreaker.State.OPEN) {
            return true;
        }
        long until = rh.openUntil.get();
        if (until == RegionHealth.NOT_OPEN) {
            return false; // opened a moment ago; the thread that opened it sets the deadline
        }
        if (nanoClock.getAsLong() < until) {
            return false;
        }
        halfOpen(rh, until);
        return true;
    }

    /** The region's probe round-trip EWMA, as last moved by more than 1 ms; -1 before a good probe. */
    @Override
    public long latencyNanos(Region region) {
        RegionHealth rh = regionHealth(region);
        return rh == null ? -1 : rh.latencyNanos;
    }

    /** {@code rate-limit.capacity} while a 429's Retry-After runs, else 1. */
    @Override
    public double capacity(Region region) {
        RegionHealth rh = regionHealth(region);
        if (rh == null) {
            return 1.0;
        }
        long until = rh.throttledUntil.get();
        return until != RegionHealth.NOT_THROTTLED && nanoClock.getAsLong() < until ? config.rateLimit().capacity() : 1.0;
    }

    /**
     * Changes whenever an answer may have changed. One volatile read while nothing is due to
     * expire; otherwise also a clock read, and, once an ejection, throttle or open period has
     * ended, the bump (and the log lines of returns).
     */
    @Override
    public long version() {
        long deadline = nextDeadline.get();
        if (deadline != NO_DEADLINE && nanoClock.getAsLong() >= deadline) {
            passDeadline(deadline);
        }
        return version.get();
    }

    /** A snapshot of every region and endpoint. */
    public HealthReport report() {
        long v = version();
        long now = nanoClock.getAsLong();
        List<HealthReport.RegionReport> out = new ArrayList<>(regions.size());
        for (RegionHealth rh : regions) {
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
            long throttledUntil = rh.throttledUntil.get();
            boolean throttled = throttledUntil != RegionHealth.NOT_THROTTLED && now < throttledUntil;
            CircuitBreaker.Metrics metrics = rh.breaker.getMetrics();
            out.add(new HealthReport.RegionReport(
                    rh.region.name(),
                    breakerState(rh, now),
                    metrics.getFailureRate(),
                    metrics.getSlowCallRate(),
                    rh.latencyNanos,
                    throttled ? config.rateLimit().capacity() : 1.0,
                    throttled ? Duration.ofNanos(throttledUntil - now) : Duration.ZERO,
                    rh.ejectionsRefused.sum(),
                    endpoints));
        }
        return new HealthReport(v, out);
    }

    /** How many {@link Ejections} slots {@code region} has handed out (tests check that DNS churn stays bounded). */
    int slotsOf(String region) {
        synchronized (membership) {
            EndpointSlots regionSlots = slots.get(region);
            return regionSlots == null ? 0 : regionSlots.size();
        }
    }

    /** Stops the probes and their threads (waiting at most a few seconds). The answers stay available. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Prober p = prober;
        if (p != null) {
            p.close();
        }
    }

    // ---- probes ----

    /** A probe result as the prober reports it (tests drive the registry through it without sockets). */
    void probeResult(Endpoint endpoint, long startedNanos, boolean ok, long rttNanos, @Nullable String problem) {
        EndpointHealth eh = byEndpoint.get(endpoint);
        if (eh != null) {
            probed(eh, startedNanos, ok, rttNanos, problem);
        }
    }

    /** A probe result, on the endpoint's probe thread; one probe of an endpoint at a time. */
    private void probed(EndpointHealth eh, long startedNanos, boolean ok, long rttNanos, @Nullable String problem) {
        if (eh.retired) {
            return; // a probe that was in flight when its address left the DNS answer
        }
        if (ok) {
            eh.probeFailures = 0;
            eh.lastProbeProblem = null;
            int successes = eh.probeSuccesses + 1;
            eh.probeSuccesses = successes;
            if (!eh.up && successes >= config.probe().healthyThreshold()) {
                eh.up = true;
                changed();
                log.info("endpoint {} of {} is up: {} good probes in a row", eh.endpoint.label(), eh.region, successes);
            }
            if (config.outlier().unejectOnProbeSuccess()) {
                returnAfterGoodProbe(eh, startedNanos);
                tryRegionAfterGoodProbe(eh, startedNanos);
            }
            long suspected = eh.region.suspectedSince.get();
            if (suspected != RegionHealth.NOT_SUSPECTED && startedNanos - suspected > 0) {
                endSuspicion(eh.region, suspected, "endpoint " + eh.endpoint.label() + " answered a probe started after it");
            }
            if (rttNanos >= 0) {
                observeLatency(eh.region, rttNanos);
            }
        } else {
            eh.probeSuccesses = 0;
            eh.lastProbeProblem = problem;
            int failures = eh.probeFailures + 1;
            eh.probeFailures = failures;
            if (eh.up && failures >= config.probe().unhealthyThreshold()) {
                eh.up = false;
                eh.withheldFailures.set(0); // the probes pin them on the endpoint: never the region's
                changed();
                log.warn("endpoint {} of {} is down: {} failed probes in a row, the last: {}",
                        eh.endpoint.label(), eh.region, failures, problem);
                listener.endpointDown(eh.endpoint, HealthListener.Cause.PROBES);
            }
        }
    }

    private void observeLatency(RegionHealth rh, long rttNanos) {
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
            changed();
        }
    }

    /** Ends the suspicion that began at {@code since}, unless another thread did. */
    private void endSuspicion(RegionHealth rh, long since, String why) {
        if (rh.suspectedSince.compareAndSet(since, RegionHealth.NOT_SUSPECTED)) {
            rh.suspicionEnded = nanoClock.getAsLong();
            changed();
            log.info("region {} is no longer suspected: {}", rh, why);
        }
    }


    /**
     * A region whose breaker opened because it failed as a whole ({@link RegionHealth#openedAsWhole}:
     * not a stall, not a failure rate), and one of whose endpoints now
     * answers a probe started after the breaker opened: the breaker goes half-open at once (its
     * trial calls decide), not at the end of {@code breaker.open-duration}. Recovery is as fast as
     * detection, for regions as for endpoints.
     */
    private void tryRegionAfterGoodProbe(EndpointHealth eh, long probeStarted) {
        RegionHealth region = eh.region;
        long until = region.openUntil.get();
        if (!region.openedAsWhole || until == RegionHealth.NOT_OPEN || region.breaker.getState() != CircuitBreaker.State.OPEN
                || probeStarted - (until - openNanos) <= 0) {
            return;
        }
        log.info("endpoint {} of {} answered a probe started after the region's breaker opened: trying the region again",
                eh.endpoint.label(), region);
        halfOpen(region, until);
    }
    /** Ends an ejection that began before the good probe that started at {@code probeStarted}. */
    private void returnAfterGoodProbe(EndpointHealth eh, long probeStarted) {
        RegionHealth region = eh.region;
        while (true) {
            Ejections current = region.ejections.get();
            long now = nanoClock.getAsLong();
            if (!current.anyPending() || !current.isEjected(eh.index, now) || probeStarted - current.since(eh.index) < 0) {
                return;
            }
            if (region.ejections.compareAndSet(current, current.returned(eh.index, now))) {
                changed();
                log.info("endpoint {} of {} returns {} into a {} ejection: it answered a probe (times ejected: {})",
                        eh.endpoint.label(), region, DurationFormat.ofNanos(now - current.since(eh.index)),
                        DurationFormat.ofNanos(current.length(eh.index)), current.times(eh.index));
                return;
            }
        }
    }

    // ---- outlier ejection ----

    /**
     * A gateway failure or timeout of {@code eh}: counted towards its ejection, and shown to the
     * region's breaker unless outlier detection may still pin it on the endpoint.
     */
    private void failed(EndpointHealth eh, Outcome outcome, long duration) {
        RegionHealth region = eh.region;
        long now = nanoClock.getAsLong();
        Ejections current = region.ejections.get();
        if (!eh.up || (current.anyPending() && current.isEjected(eh.index, now))) {
            return; // requests still in flight to an endpoint out of rotation: it is already out
        }
        int failures = eh.consecutiveFailures.incrementAndGet();
        eh.withheldFailures.incrementAndGet();
        if (failures >= config.outlier().consecutiveFailures()) {
            if (eject(eh, failures)) {
                eh.withheldFailures.set(0); // pinned on the endpoint: the region's breaker never sees them
                return;
            }
            if (region.breaker.getState() == CircuitBreaker.State.CLOSED
                    && !anotherEndpointDoesFine(eh, region.ejections.get(), now)) {
                // Outlier detection may eject no more, and every endpoint in rotation fails: the
                // region fails as a whole, which is the breaker's business, at once (a time window
                // full of the successes before the failure would take seconds to notice).
                log.warn("region {} fails as a whole: every endpoint in rotation is failing and max-ejected-percent "
                        + "allows no more ejections", region);
                showWithheldFailures(eh, duration, outcome == Outcome.TIMEOUT ? TIMEOUT : GATEWAY_FAILURE);
                region.openedAsWhole = true;
                region.breaker.transitionToOpenState();
                checkBreaker(region);
                return;
            }
        } else if (region.breaker.getState() == CircuitBreaker.State.CLOSED && current.ejected(now) < ejectable(region)) {
            if (anotherEndpointDoesFine(eh, current, now)) {
                return; // held back: it looks like this endpoint's failure, and outlier detection may still eject it
            }
            // Every endpoint in rotation is failing: so is the region, and every failure held back is its.
            for (EndpointHealth other : region.endpoints) {
                if (other != eh) {
                    showWithheldFailures(other, duration, GATEWAY_FAILURE);
                }
            }
        }
        showWithheldFailures(eh, duration, outcome == Outcome.TIMEOUT ? TIMEOUT : GATEWAY_FAILURE);
    }

    /**
     * Whether another endpoint of {@code eh}'s region is in rotation and not failing (its last
     * outcome was no failure): then a failure of {@code eh} looks like {@code eh}'s own. When every
     * endpoint in rotation is failing, the region is, and its breaker must hear of it at once.
     */
    private static boolean anotherEndpointDoesFine(EndpointHealth eh, Ejections ejections, long now) {
        for (EndpointHealth other : eh.region.endpoints) {
            if (other != eh && other.up && other.consecutiveFailures.get() == 0
                    && !(ejections.anyPending() && ejections.isEjected(other.index, now))) {
                return true;
            }
        }
        return false;
    }

    private void showWithheldFailures(EndpointHealth eh, long duration) {
        showWithheldFailures(eh, duration, GATEWAY_FAILURE);
    }

    /** Gives the region's breaker the failures held back for {@code eh}. */
    private void showWithheldFailures(EndpointHealth eh, long duration, Exception error) {
        if (eh.withheldFailures.get() == 0) {
            return;
        }
        int withheld = eh.withheldFailures.getAndSet(0);
        RegionHealth region = eh.region;
        for (int i = 0; i < withheld; i++) {
            region.breaker.onError(duration, TimeUnit.NANOSECONDS, error);
        }
        checkBreaker(region);
    }

    /** How many of the region's endpoints may be ejected at once: {@code max-ejected-percent}, but always one. */
    private int ejectable(RegionHealth region) {
        return Math.max(1, region.endpoints.length * config.outlier().maxEjectedPercent() / 100);
    }

    /** Ejects {@code eh} unless {@code max-ejected-percent} forbids it; whether it is ejected now. */
    private boolean eject(EndpointHealth eh, int failures) {
        RegionHealth region = eh.region;
        OutlierConfig outlier = config.outlier();
        int allowed = ejectable(region);
        long now;
        Ejections current;
        Ejections next;
        do {
            now = nanoClock.getAsLong();
            current = region.ejections.get();
            if (current.isEjected(eh.index, now)) {
                return true; // another thread ejected it
            }
            if (current.ejected(now) >= allowed) {
                region.ejectionsRefused.increment();
                if (failures == outlier.consecutiveFailures()) {
                    log.info("endpoint {} of {} not ejected after {} consecutive gateway failures: "
                            + "{}% of the region's endpoints are ejected already (max-ejected-percent)",
                            eh.endpoint.label(), region, failures, outlier.maxEjectedPercent());
                }
                return false;
            }
            long last = current.until(eh.index);
            int times = last == Ejections.NEVER || now - last > maxEjectionNanos
                    ? 1 // back in rotation for max-ejection: it starts over
                    : Math.min(current.times(eh.index), Integer.MAX_VALUE - 1) + 1;
            next = current.eject(eh.index, now, ejectionNanos(times), times);
        } while (!region.ejections.compareAndSet(current, next));
        eh.consecutiveFailures.set(0);
        eh.ejections.incrementAndGet();
        long until = next.until(eh.index);
        registerDeadline(until);
        changed();
        log.info("endpoint {} of {} ejected for {} after {} consecutive gateway failures (times ejected: {})",
                eh.endpoint.label(), region, DurationFormat.ofNanos(next.length(eh.index)), failures, next.times(eh.index));
        listener.endpointDown(eh.endpoint, HealthListener.Cause.EJECTED);
        return true;
    }

    /** {@code min(max-ejection, base-ejection × times)}, without overflow. */
    private long ejectionNanos(int times) {
        return times > maxEjectionNanos / baseEjectionNanos ? maxEjectionNanos : Math.min(maxEjectionNanos, baseEjectionNanos * times);
    }

    // ---- breakers ----

    /** Acts on a breaker transition made by the call just recorded (or by another thread). */
    private void checkBreaker(RegionHealth rh) {
        CircuitBreaker.State state = rh.breaker.getState();
        CircuitBreaker.State seen = rh.seenState.get();
        if (state == seen || !rh.seenState.compareAndSet(seen, state)) {
            return;
        }
        if (state == CircuitBreaker.State.OPEN) {
            long until = nanoClock.getAsLong() + openNanos;
            rh.openUntil.set(until);
            registerDeadline(until);
            CircuitBreaker.Metrics m = rh.breaker.getMetrics();
            log.warn("circuit breaker of {} opened for {}: failure rate {}%, slow-call rate {}% over the last {} calls",
                    rh, DurationFormat.ofNanos(openNanos), Math.round(m.getFailureRate()), Math.round(m.getSlowCallRate()),
                    m.getNumberOfBufferedCalls());
        } else if (state == CircuitBreaker.State.CLOSED) {
            rh.openedAsWhole = false;
            rh.openUntil.set(RegionHealth.NOT_OPEN);
            log.info("circuit breaker of {} closed", rh);
        } else {
            log.info("circuit breaker of {} is {}", rh, state);
        }
        changed();
        if (state == CircuitBreaker.State.OPEN) {
            listener.regionDown(rh.region, HealthListener.Cause.BREAKER_OPEN);
        }
    }

    /** Moves an open breaker whose period ({@code until}) has passed to half-open; one thread wins. */
    private void halfOpen(RegionHealth rh, long until) {
        if (!rh.openUntil.compareAndSet(until, RegionHealth.NOT_OPEN)) {
            return;
        }
        if (rh.breaker.getState() == CircuitBreaker.State.OPEN) {
            rh.breaker.transitionToHalfOpenState();
            if (rh.seenState.compareAndSet(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN)) {
                log.info("circuit breaker of {} is half-open: the next {} calls decide", rh, config.breaker().halfOpenCalls());
            }
            changed();
        }
    }

    private BreakerState breakerState(RegionHealth rh, long now) {
        return switch (rh.breaker.getState()) {
            case OPEN -> {
                long until = rh.openUntil.get();
                yield until != RegionHealth.NOT_OPEN && now >= until ? BreakerState.HALF_OPEN : BreakerState.OPEN;
            }
            case HALF_OPEN -> BreakerState.HALF_OPEN;
            default -> BreakerState.CLOSED;
        };
    }

    // ---- 429 ----

    private void throttle(RegionHealth rh, @Nullable Duration retryAfter) {
        Duration wait = retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()
                ? config.rateLimit().defaultRetryAfter()
                : retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        long now = nanoClock.getAsLong();
        long until = now + wait.toNanos();
        boolean started;
        while (true) {
            long current = rh.throttledUntil.get();
            if (current != RegionHealth.NOT_THROTTLED && current >= until) {
                return; // already throttled for at least as long
            }
            if (rh.throttledUntil.compareAndSet(current, until)) {
                started = current == RegionHealth.NOT_THROTTLED || current <= now;
                break;
            }
        }
        registerDeadline(until);
        if (started) {
            changed();
            log.info("region {} answered 429: its share drops to {} for {}", rh, config.rateLimit().capacity(),
                    DurationFormat.of(wait));
        }
    }

    // ---- version and deadlines ----

    private void changed() {
        version.incrementAndGet();
    }

    /** Makes {@code deadline} the next one unless an earlier one is pending. */
    private void registerDeadline(long deadline) {
        while (true) {
            long current = nextDeadline.get();
            if (current <= deadline || nextDeadline.compareAndSet(current, deadline)) {
                return;
            }
        }
    }

    /**
     * Something ended at {@code deadline}: announce what ended, register what is still pending,
     * and bump the version. One thread does it; deadlines registered meanwhile are kept, since
     * registering is a compare-and-set to the minimum.
     */
    private void passDeadline(long deadline) {
        if (!nextDeadline.compareAndSet(deadline, NO_DEADLINE)) {
            return;
        }
        long now = nanoClock.getAsLong();
        for (RegionHealth rh : regions) {
            announceReturns(rh, now);
            long suspected = rh.suspectedSince.get();
            if (suspected != RegionHealth.NOT_SUSPECTED) {
                if (now - suspected < openNanos) {
                    registerDeadline(suspected + openNanos);
                } else {
                    endSuspicion(rh, suspected, "no probe cleared it within " + DurationFormat.ofNanos(openNanos)
                            + ": it is tried again");
                }
            }
            long throttledUntil = rh.throttledUntil.get();
            if (throttledUntil != RegionHealth.NOT_THROTTLED) {
                if (throttledUntil > now) {
                    registerDeadline(throttledUntil);
                } else if (rh.throttledUntil.compareAndSet(throttledUntil, RegionHealth.NOT_THROTTLED)) {
                    log.info("region {} gets its full share again: the 429's Retry-After has passed", rh);
                }
            }
            long openUntil = rh.openUntil.get();
            if (openUntil != RegionHealth.NOT_OPEN) {
                if (openUntil > now) {
                    registerDeadline(openUntil);
                } else {
                    halfOpen(rh, openUntil);
                }
            }
        }
        changed();
    }

    private void announceReturns(RegionHealth rh, long now) {
        while (true) {
            Ejections current = rh.ejections.get();
            if (!current.anyPending()) {
                return;
            }
            boolean[] returned = new boolean[current.size()];
            boolean any = false;
            for (int i = 0; i < returned.length; i++) {
                if (current.pending(i)) {
                    if (current.isEjected(i, now)) {
                        registerDeadline(current.until(i));
                    } else {
                        returned[i] = true;
                        any = true;
                    }
                }
            }
            if (!any) {
                return;
            }
            if (rh.ejections.compareAndSet(current, current.announced(returned))) {
                EndpointHealth[] endpoints = rh.endpoints;
                for (EndpointHealth eh : endpoints) {
                    if (returned[eh.index]) {
                        log.info("endpoint {} of {} returns after a {} ejection (times ejected: {})",
                                eh.endpoint.label(), rh, DurationFormat.ofNanos(current.length(eh.index)), current.times(eh.index));
                    }
                }
                return;
            }
        }
    }

    /** What the breaker is told a failed call failed with; never thrown, so it has no stack trace. */
    private static final class UpstreamFailure extends Exception {
        UpstreamFailure(String message) {
            super(message, null, false, false);
        }
    }
}
