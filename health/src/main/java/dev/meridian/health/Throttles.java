package dev.meridian.health;

import dev.meridian.config.RateLimitConfig;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 429 throttle of each region: a region whose provider answered 429 gets
 * {@code rate-limit.capacity} of its share until the {@code Retry-After} has passed. A capacity
 * signal, not a health failure: it takes nothing out of rotation.
 */
final class Throttles {

    private static final Logger log = LoggerFactory.getLogger(Throttles.class);

    /** A Retry-After beyond this is taken as this: one bad header must not throttle a region for a day. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final RateLimitConfig config;
    private final HealthTimeline timeline;

    Throttles(RateLimitConfig config, HealthTimeline timeline) {
        this.config = config;
        this.timeline = timeline;
    }

    /** A 429 with {@code retryAfter} ({@code null} when none could be read: then the default). */
    void throttle(RegionHealth rh, @Nullable Duration retryAfter) {
        Duration wait = retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()
                ? config.defaultRetryAfter()
                : retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        long now = timeline.now();
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
        timeline.registerDeadline(until);
        if (started) {
            timeline.changed();
            log.info("region {} answered 429: its share drops to {} for {}", rh, config.capacity(), DurationFormat.of(wait));
        }
    }

    /** {@code rate-limit.capacity} while a 429's Retry-After runs, else 1. */
    double capacity(RegionHealth rh) {
        return capacity(rh, timeline.now());
    }

    double capacity(RegionHealth rh, long now) {
        return remainingNanos(rh, now) > 0 ? config.capacity() : 1.0;
    }

    /** How long the throttle lasts from {@code now}; zero when not throttled. */
    Duration remaining(RegionHealth rh, long now) {
        return Duration.ofNanos(remainingNanos(rh, now));
    }

    private static long remainingNanos(RegionHealth rh, long now) {
        long until = rh.throttledUntil.get();
        return until != RegionHealth.NOT_THROTTLED && now < until ? until - now : 0;
    }

    /** A deadline passed: ends the throttle if it ran out, else registers its end again. */
    void passDeadline(RegionHealth rh, long now) {
        long throttledUntil = rh.throttledUntil.get();
        if (throttledUntil != RegionHealth.NOT_THROTTLED && timeline.passed(throttledUntil, now)
                && rh.throttledUntil.compareAndSet(throttledUntil, RegionHealth.NOT_THROTTLED)) {
            log.info("region {} gets its full share again: the 429's Retry-After has passed", rh);
        }
    }
}
