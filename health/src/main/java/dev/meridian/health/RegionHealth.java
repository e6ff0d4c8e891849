package dev.meridian.health;

import dev.meridian.regions.Region;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What is known about one region: its breaker, its throttle, its probe latency and the
 * ejections of its endpoints. Every field is an atomic or immutable; deadlines are values of
 * the registry's nano clock.
 */
final class RegionHealth {

    /** {@link #openUntil} while the breaker is not open. */
    static final long NOT_OPEN = Long.MAX_VALUE;
    /** {@link #throttledUntil} while not throttled. */
    static final long NOT_THROTTLED = Long.MIN_VALUE;
    /** {@link #suspectedSince} while not suspected, and {@link #suspicionEnded} before any suspicion. */
    static final long NOT_SUSPECTED = Long.MIN_VALUE;

    /** The region's name and configuration (its endpoints are {@link #endpoints}, which DNS may change). */
    final Region region;
    final CircuitBreaker breaker;
    /** The calls of the closed breaker (and of the open one it became), which Resilience4j is not given. */
    final BreakerWindow window;
    /**
     * Whether {@link #window} keeps the calls: from closing until the breaker goes half-open, where
     * Resilience4j counts the trial calls itself (and keeps counting if they re-open it).
     */
    volatile boolean windowed = true;
    /**
     * Whether the open breaker was opened because every endpoint in rotation failed (connections
     * refused or reset, with nothing left to eject): only such a breaker is tried again at the
     * first good probe, since probes passing says nothing about stalls or failing inference.
     */
    volatile boolean openedAsWhole;
    /**
     * The region's endpoints in table order. Filled by the registry's constructor before the
     * registry is published, and replaced whole when a DNS answer changes them.
     */
    volatile EndpointHealth[] endpoints = new EndpointHealth[0];

    final AtomicReference<Ejections> ejections;
    final LongAdder ejectionsRefused = new LongAdder();

    /** The breaker state last acted on (logged, version bumped, open deadline set). */
    final AtomicReference<CircuitBreaker.State> seenState = new AtomicReference<>(CircuitBreaker.State.CLOSED);
    /** When the open breaker lets trial calls through. */
    final AtomicLong openUntil = new AtomicLong(NOT_OPEN);

    final AtomicLong throttledUntil = new AtomicLong(NOT_THROTTLED);

    /** When the data path suspected the region of a stall; {@link #NOT_SUSPECTED} while it is not. */
    final AtomicLong suspectedSince = new AtomicLong(NOT_SUSPECTED);
    /** When the last suspicion ended, or {@link #NOT_SUSPECTED}. */
    volatile long suspicionEnded = NOT_SUSPECTED;

    /** Probe round-trip EWMA in nanoseconds, as the bits of a double; NaN until the first good probe. */
    final AtomicLong rttEwma = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    /** The EWMA as last published to the routing policy (moved by more than 1 ms), or -1. */
    volatile long latencyNanos = -1;

    RegionHealth(Region region, CircuitBreaker breaker, BreakerWindow window) {
        this.region = region;
        this.breaker = breaker;
        this.window = window;
        this.ejections = new AtomicReference<>(Ejections.none(region.endpoints().size()));
    }

    @Override
    public String toString() {
        return region.name();
    }
}
