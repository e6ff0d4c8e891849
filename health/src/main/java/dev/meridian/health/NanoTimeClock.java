package dev.meridian.health;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * A {@link Clock} over the registry's nano clock, for Resilience4j, so that the breaker and the
 * registry agree on time (and tests drive both with one clock). Its instants count from an
 * arbitrary origin, like {@link System#nanoTime()}: good for intervals only.
 */
final class NanoTimeClock extends Clock {

    private final LongSupplier nanoClock;

    NanoTimeClock(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this; // only intervals are meaningful
    }

    @Override
    public Instant instant() {
        return Instant.EPOCH.plusNanos(nanoClock.getAsLong());
    }
}
