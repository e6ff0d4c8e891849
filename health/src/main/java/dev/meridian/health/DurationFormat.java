package dev.meridian.health;

import java.time.Duration;

/** Durations in log lines as the configuration writes them: {@code 250ms}, {@code 30s}. */
final class DurationFormat {

    private DurationFormat() {}

    static String of(Duration duration) {
        return ofNanos(duration.toNanos());
    }

    static String ofNanos(long nanos) {
        long millis = nanos / 1_000_000;
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
