package dev.meridian.health;

import dev.meridian.config.BreakerConfig;
import dev.meridian.regions.Region;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Resilience4j circuit breaker of each region, on failure rate and slow-call rate over a
 * time window. The open period is checked against the registry's nano clock here, not by a
 * Resilience4j scheduler: once it has passed, the region is admitted and the breaker moves to
 * half-open, where every request is let through (the routing policy decides for many requests at
 * once and cannot ask for a permission per request) and the first {@code half-open-calls}
 * outcomes close or re-open it. Transitions are noticed by comparing the breaker's state after
 * each call: event consumers would allocate an event per call.
 *
 * <p>While the breaker is closed its calls are counted in the region's {@link BreakerWindow}, not
 * by Resilience4j, whose time window copies a slice and a snapshot per call; the window opens the
 * breaker on Resilience4j's rule. The trial calls of a half-open breaker, few and rare, go to
 * Resilience4j.
 */
final class RegionBreakers {

    private static final Logger log = LoggerFactory.getLogger(RegionBreakers.class);

    /** Passed to the breaker; never thrown. Without a stack trace: one is made per failed call. */
    private static final Exception GATEWAY_FAILURE = new UpstreamFailure("gateway failure");
    private static final Exception TIMEOUT = new UpstreamFailure("timeout");

    private final CircuitBreakerConfig breakerConfig;
    private final BreakerConfig config;
    private final long openNanos;
    private final long slowNanos;
    private final HealthTimeline timeline;

    RegionBreakers(BreakerConfig config, HealthTimeline timeline) {
        this.breakerConfig = breakerConfig(config, timeline.nanoClock());
        this.config = config;
        this.openNanos = config.openDuration().toNanos();
        this.slowNanos = config.slowCallDuration().toNanos();
        this.timeline = timeline;
    }

    /** How long a breaker stays open ({@code breaker.open-duration}); a stall suspicion lasts as long. */
    long openNanos() {
        return openNanos;
    }

    private static CircuitBreakerConfig breakerConfig(BreakerConfig b, LongSupplier nanoClock) {
        return CircuitBreakerConfig.custom()
                // Time-based: a count-based window sized for a quiet region lasts milliseconds under load.
                // The closed breaker's calls are counted in BreakerWindow, not in this window (which
                // copies its slice per call); it is configured all the same so that Resilience4j's own
                // view of the breaker stays the documented one.
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

    /** A new breaker for {@code region}. */
    CircuitBreaker create(Region region) {
        return CircuitBreaker.of("meridian-" + region.name(), breakerConfig);
    }

    /**
     * A new window for the calls of a region's closed breaker. On {@link System#nanoTime()}, as
     * Resilience4j's time window was (the registry's clock in production): tests that drive the
     * registry's clock see the window run in real time, as before.
     */
    BreakerWindow window() {
        return new BreakerWindow(config.window().toSeconds(), config.minimumCalls(), config.failureRateThreshold(),
                config.slowCallRateThreshold(), System::nanoTime);
    }

    /** A successful call of {@code durationNanos} (slow when over {@code slow-call-duration}). */
    void success(RegionHealth rh, long durationNanos) {
        if (rh.windowed) {
            record(rh, false, durationNanos);
        } else {
            rh.breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
        }
        check(rh);
    }

    /** Counts a call in the window; opens the closed breaker when the window says so (Resilience4j's closed state would). */
    private void record(RegionHealth rh, boolean failed, long durationNanos) {
        if (rh.window.record(failed, durationNanos > slowNanos) && isClosed(rh)) {
            rh.breaker.transitionToOpenState();
        }
    }

    /** The breaker's failure rate as Resilience4j would report it: -1 below {@code minimum-calls}. */
    float failureRate(RegionHealth rh) {
        return rh.windowed ? rh.window.failureRate() : rh.breaker.getMetrics().getFailureRate();
    }

    /** The breaker's slow-call rate as Resilience4j would report it: -1 below {@code minimum-calls}. */
    float slowCallRate(RegionHealth rh) {
        return rh.windowed ? rh.window.slowCallRate() : rh.breaker.getMetrics().getSlowCallRate();
    }

    boolean isClosed(RegionHealth rh) {
        return rh.breaker.getState() == CircuitBreaker.State.CLOSED;
    }

    /** Gives the region's breaker the failures held back for {@code eh}, as failures like {@code outcome}. */
    void showWithheldFailures(EndpointHealth eh, long durationNanos, Outcome outcome) {
        if (eh.withheldFailures.get() == 0) {
            return;
        }
        int withheld = eh.withheldFailures.getAndSet(0);
        RegionHealth region = eh.region;
        Exception error = outcome == Outcome.TIMEOUT ? TIMEOUT : GATEWAY_FAILURE;
        for (int i = 0; i < withheld; i++) {
            if (region.windowed) {
                record(region, true, durationNanos);
            } else {
                region.breaker.onError(durationNanos, TimeUnit.NANOSECONDS, error);
            }
        }
        check(region);
    }

    /**
     * Opens the breaker of a region that fails as a whole (every endpoint in rotation fails, and no
     * more may be ejected): such a breaker is tried again at the first good probe.
     */
    void openAsWhole(RegionHealth rh) {
        rh.openedAsWhole = true;
        rh.breaker.transitionToOpenState();
        check(rh);
    }

    /**
     * Opens the breaker of a region that stalled again {@code sinceClearedNanos} after its probes
     * cleared it (the probes pass while requests hang: the breaker decides), unless it is open.
     */
    void openAfterRepeatedStall(RegionHealth rh, long sinceClearedNanos) {
        CircuitBreaker.State state = rh.breaker.getState();
        if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
            return;
        }
        log.warn("region {} stalled again {} after its probes cleared it: opening its circuit breaker", rh,
                DurationFormat.ofNanos(sinceClearedNanos));
        rh.breaker.transitionToOpenState();
        check(rh);
    }

    /** False while the breaker is open and its open period has not passed; moves it to half-open after. */
    boolean admits(RegionHealth rh) {
        if (rh.breaker.getState() != CircuitBreaker.State.OPEN) {
            return true;
        }
        long until = rh.openUntil.get();
        if (until == RegionHealth.NOT_OPEN) {
            return false; // opened a moment ago; the thread that opened it sets the deadline
        }
        if (timeline.now() < until) {
            return false;
        }
        halfOpen(rh, until);
        return true;
    }

    /**
     * A region whose breaker opened because it failed as a whole ({@link RegionHealth#openedAsWhole}:
     * not a stall, not a failure rate), and one of whose endpoints now answers a probe started
     * after the breaker opened: the breaker goes half-open at once (its trial calls decide), not at
     * the end of {@code breaker.open-duration}. Recovery is as fast as detection, for regions as
     * for endpoints.
     */
    void tryAfterGoodProbe(EndpointHealth eh, long probeStarted) {
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

    /** The state as reported: an open breaker whose period has passed is half-open already. */
    BreakerState state(RegionHealth rh, long now) {
        return switch (rh.breaker.getState()) {
            case OPEN -> {
                long until = rh.openUntil.get();
                yield until != RegionHealth.NOT_OPEN && now >= until ? BreakerState.HALF_OPEN : BreakerState.OPEN;
            }
            case HALF_OPEN -> BreakerState.HALF_OPEN;
            default -> BreakerState.CLOSED;
        };
    }

    /** A deadline passed: moves the breaker to half-open if its open period ran out, else registers its end again. */
    void passDeadline(RegionHealth rh, long now) {
        long openUntil = rh.openUntil.get();
        if (openUntil != RegionHealth.NOT_OPEN && timeline.passed(openUntil, now)) {
            halfOpen(rh, openUntil);
        }
    }

    /** Acts on a breaker transition made by the call just recorded (or by another thread). */
    private void check(RegionHealth rh) {
        CircuitBreaker.State state = rh.breaker.getState();
        CircuitBreaker.State seen = rh.seenState.get();
        if (state == seen || !rh.seenState.compareAndSet(seen, state)) {
            return;
        }
        if (state == CircuitBreaker.State.OPEN) {
            long until = timeline.now() + openNanos;
            rh.openUntil.set(until);
            timeline.registerDeadline(until);
            log.warn("circuit breaker of {} opened for {}: failure rate {}%, slow-call rate {}% over the last {} calls",
                    rh, DurationFormat.ofNanos(openNanos), Math.round(failureRate(rh)), Math.round(slowCallRate(rh)),
                    rh.windowed ? rh.window.calls() : rh.breaker.getMetrics().getNumberOfBufferedCalls());
        } else if (state == CircuitBreaker.State.CLOSED) {
            rh.window.reset();
            rh.windowed = true;
            rh.openedAsWhole = false;
            rh.openUntil.set(RegionHealth.NOT_OPEN);
            log.info("circuit breaker of {} closed", rh);
        } else {
            log.info("circuit breaker of {} is {}", rh, state);
        }
        timeline.changed();
        if (state == CircuitBreaker.State.OPEN) {
            timeline.listener().regionDown(rh.region, HealthListener.Cause.BREAKER_OPEN);
        }
    }

    /** Moves an open breaker whose period ({@code until}) has passed to half-open; one thread wins. */
    private void halfOpen(RegionHealth rh, long until) {
        if (!rh.openUntil.compareAndSet(until, RegionHealth.NOT_OPEN)) {
            return;
        }
        if (rh.breaker.getState() == CircuitBreaker.State.OPEN) {
            rh.windowed = false;
            rh.breaker.transitionToHalfOpenState();
            if (rh.seenState.compareAndSet(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN)) {
                log.info("circuit breaker of {} is half-open: the next {} calls decide", rh, breakerConfig.getPermittedNumberOfCallsInHalfOpenState());
            }
            timeline.changed();
        }
    }

    /** What the breaker is told a failed call failed with; never thrown, so it has no stack trace. */
    private static final class UpstreamFailure extends Exception {
        UpstreamFailure(String message) {
            super(message, null, false, false);
        }
    }
}
