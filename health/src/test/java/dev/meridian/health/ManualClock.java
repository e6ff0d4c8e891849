package dev.meridian.health;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nano clock that moves only when told; starts far below zero, as {@code System.nanoTime()} may. */
final class ManualClock implements LongSupplier {

    private final AtomicLong nanos = new AtomicLong(-Duration.ofDays(3).toNanos());

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }
}
