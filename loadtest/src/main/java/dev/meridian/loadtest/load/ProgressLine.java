package dev.meridian.loadtest.load;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints one line per second of a run, e.g.
 * {@code 12s  rate 2000/s  done 23950  errors 0  ttfb p50 0.41 ms  p99 1.9 ms}: the responses of
 * that second, the responses so far, the errors so far, and the time to first byte of that second.
 */
final class ProgressLine implements TimelineListener {

    private final PrintStream out;
    private long done;
    private long errors;

    ProgressLine(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onSecond(TimelineSecond second) {
        done += second.completed();
        errors += second.errors();
        out.println(format(second, done, errors));
        out.flush();
    }

    static String format(TimelineSecond second, long done, long errors) {
        return String.format(Locale.ROOT, "%3ds  rate %d/s  done %d  errors %d  ttfb p50 %s ms  p99 %s ms%s",
                second.second(), second.completed(), done, errors,
                millis(second.ttfbP50Millis()), millis(second.ttfbP99Millis()), second.warmup() ? "  (warm-up)" : "");
    }

    /** Two significant digits or so: {@code 0.41}, {@code 1.9}, {@code 20.3}, {@code 1020}. */
    static String millis(double value) {
        if (value < 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        if (value < 100) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.0f", value);
    }
}
