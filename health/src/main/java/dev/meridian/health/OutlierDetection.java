package dev.meridian.health;

import dev.meridian.config.OutlierConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier ejection: an endpoint with {@code consecutive-failures} gateway failures or
 * timeouts in a row is taken out of rotation for {@code base-ejection × times ejected} (capped at
 * {@code max-ejection}), never more than {@code max-ejected-percent} of a region's endpoints at
 * once (but always one). With {@code uneject-on-probe-success} an ejected endpoint returns at its
 * first good probe that started after the ejection began. Each region's ejections are one
 * immutable {@link Ejections} replaced by compare-and-set, so the percentage check and the
 * ejection are one atomic step across event loops.
 */
final class OutlierDetection {

    private static final Logger log = LoggerFactory.getLogger(OutlierDetection.class);

    private final OutlierConfig config;
    private final long baseEjectionNanos;
    private final long maxEjectionNanos;
    private final HealthTimeline timeline;

    OutlierDetection(OutlierConfig config, HealthTimeline timeline) {
        this.config = config;
        this.baseEjectionNanos = config.baseEjection().toNanos();
        this.maxEjectionNanos = config.maxEjection().toNanos();
        this.timeline = timeline;
    }

    /** Whether {@code eh} is ejected now; reads the clock only when some endpoint of its region may be. */
    boolean isEjected(EndpointHealth eh) {
        Ejections ejections = eh.region.ejections.get();
        return ejections.anyPending() && ejections.isEjected(eh.index, timeline.now());
    }

    /**
     * Whether another endpoint of {@code eh}'s region is in rotation and not failing (its last
     * outcome was no failure) in {@code ejections}: then a failure of {@code eh} looks like
     * {@code eh}'s own. When every endpoint in rotation is failing, the region is.
     */
    static boolean anotherEndpointDoesFine(EndpointHealth eh, Ejections ejections, long now) {
        for (EndpointHealth other : eh.region.endpoints) {
            if (other != eh && other.up && other.consecutiveFailures.get() == 0
                    && !(ejections.anyPending() && ejections.isEjected(other.index, now))) {
                return true;
            }
        }
        return false;
    }

    /** How many of the region's endpoints may be ejected at once: {@code max-ejected-percent}, but always one. */
    int ejectable(RegionHealth region) {
        return Math.max(1, region.endpoints.length * config.maxEjectedPercent() / 100);
    }

    /** Ejects {@code eh} after {@code failures} in a row unless {@code max-ejected-percent} forbids it; whether it is ejected now. */
    boolean eject(EndpointHealth eh, int failures) {
        RegionHealth region = eh.region;
        int allowed = ejectable(region);
        long now;
        Ejections current;
        Ejections next;
        do {
            now = timeline.now();
            current = region.ejections.get();
            if (current.isEjected(eh.index, now)) {
                return true; // another thread ejected it
            }
            if (current.ejected(now) >= allowed) {
                region.ejectionsRefused.increment();
                if (failures == config.consecutiveFailures()) {
                    log.info("endpoint {} of {} not ejected after {} consecutive gateway failures: "
                            + "{}% of the region's endpoints are ejected already (max-ejected-percent)",
                            eh.endpoint.label(), region, failures, config.maxEjectedPercent());
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
        timeline.registerDeadline(next.until(eh.index));
        timeline.changed();
        log.info("endpoint {} of {} ejected for {} after {} consecutive gateway failures (times ejected: {})",
                eh.endpoint.label(), region, DurationFormat.ofNanos(next.length(eh.index)), failures, next.times(eh.index));
        timeline.listener().endpointDown(eh.endpoint, HealthListener.Cause.EJECTED);
        return true;
    }

    /** {@code min(max-ejection, base-ejection × times)}, without overflow. */
    private long ejectionNanos(int times) {
        return times > maxEjectionNanos / baseEjectionNanos ? maxEjectionNanos : Math.min(maxEjectionNanos, baseEjectionNanos * times);
    }

    /** A good probe of {@code eh} that started at {@code probeStarted}: ends an ejection that began before it. */
    void probeSucceeded(EndpointHealth eh, long probeStarted) {
        RegionHealth region = eh.region;
        while (true) {
            Ejections current = region.ejections.get();
            long now = timeline.now();
            if (!current.anyPending() || !current.isEjected(eh.index, now) || probeStarted - current.since(eh.index) < 0) {
                return;
            }
            if (region.ejections.compareAndSet(current, current.returned(eh.index, now))) {
                timeline.changed();
                log.info("endpoint {} of {} returns {} into a {} ejection: it answered a probe (times ejected: {})",
                        eh.endpoint.label(), region, DurationFormat.ofNanos(now - current.since(eh.index)),
                        DurationFormat.ofNanos(current.length(eh.index)), current.times(eh.index));
                return;
            }
        }
    }

    /** A deadline passed: announces (logs) the ejections of the region that ended, registers those still running. */
    void passDeadline(RegionHealth rh, long now) {
        while (true) {
            Ejections current = rh.ejections.get();
            if (!current.anyPending()) {
                return;
            }
            boolean[] returned = new boolean[current.size()];
            boolean any = false;
            for (int i = 0; i < returned.length; i++) {
                if (current.pending(i) && timeline.passed(current.until(i), now)) {
                    returned[i] = true;
                    any = true;
                }
            }
            if (!any) {
                return;
            }
            if (rh.ejections.compareAndSet(current, current.announced(returned))) {
                for (EndpointHealth eh : rh.endpoints) {
                    if (returned[eh.index]) {
                        log.info("endpoint {} of {} returns after a {} ejection (times ejected: {})",
                                eh.endpoint.label(), rh, DurationFormat.ofNanos(current.length(eh.index)), current.times(eh.index));
                    }
                }
                return;
            }
        }
    }
}
