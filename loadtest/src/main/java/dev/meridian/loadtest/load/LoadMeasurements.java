package dev.meridian.loadtest.load;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Everything a run records, shared by its event loops and read by the timeline thread and at the
 * end. Recording is wait-free ({@link Recorder}, {@link LongAdder}), so event loops never block on
 * it.
 *
 * <p>Two sets of figures: the <em>measured</em> ones (histograms and counts of the result) take only
 * requests whose intended send time falls inside the measurement window (after the warm-up, before
 * the end or {@code stop()}); the <em>live</em> ones take everything and feed the per-second
 * timeline and the progress line.
 */
final class LoadMeasurements {

    /** Histograms hold microseconds, from 1 us to an hour, with three significant digits. */
    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    static final int SIGNIFICANT_DIGITS = 3;

    private final Map<LatencyMeasure, Recorder> measured = new EnumMap<>(LatencyMeasure.class);
    private final Recorder intervalTtfb = newRecorder();

    private final LongAdder sent = new LongAdder();
    private final LongAdder responses = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder unsent = new LongAdder();
    private final LongAdder[] statusClasses = adders(6);
    private final LongAdder[] errors = adders(ErrorKind.values().length);

    private final LongAdder liveSent = new LongAdder();
    private final LongAdder liveCompleted = new LongAdder();
    private final LongAdder liveErrors = new LongAdder();

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    LoadMeasurements() {
        for (LatencyMeasure measure : LatencyMeasure.values()) {
            measured.put(measure, newRecorder());
        }
    }

    static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
    }

    private static Recorder newRecorder() {
        return new Recorder(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
    }

    /** Sets the measurement window, in {@link System#nanoTime()} terms. */
    void window(long startNanos, long endNanos) {
        windowStart = startNanos;
        windowEnd = endNanos;
    }

    /** Ends the measurement window early (stop); never extends it. */
    void endWindow(long endNanos) {
        if (endNanos < windowEnd) {
            windowEnd = Math.max(windowStart, endNanos);
        }
    }

    long windowStart() {
        return windowStart;
    }

    long windowEnd() {
        return windowEnd;
    }

    /** Whether a request intended at {@code nanos} (or an event at {@code nanos}) is inside the window. */
    boolean measured(long nanos) {
        return nanos >= windowStart && nanos < windowEnd;
    }

    void requestSent(long intended) {
        liveSent.increment();
        if (measured(intended)) {
            sent.increment();
        }
    }

    /** The response head arrived: feeds the per-second time-to-first-byte percentiles. */
    void responseHead(long intended, long head) {
        intervalTtfb.recordValue(micros(head - intended));
    }

    /** A response ended; its four latencies are recorded when the request was measured. */
    void responseEnded(long intended, long sentAt, long head, long end, int status, long bodyBytes) {
        liveCompleted.increment();
        ErrorKind error = ErrorKind.ofStatus(status);
        if (error != null) {
            liveErrors.increment();
        }
        if (!measured(intended)) {
            return;
        }
        measured.get(LatencyMeasure.TTFB).recordValue(micros(head - intended));
        measured.get(LatencyMeasure.TOTAL).recordValue(micros(end - intended));
        measured.get(LatencyMeasure.SERVICE_TTFB).recordValue(micros(head - sentAt));
        measured.get(LatencyMeasure.SERVICE_TOTAL).recordValue(micros(end - sentAt));
        responses.increment();
        bytes.add(bodyBytes);
        statusClasses[Math.min(5, Math.max(0, status / 100))].increment();
        if (error != null) {
            errors[error.ordinal()].increment();
        }
    }

    /** A request failed without a complete response ({@code at}: its intended time). */
    void requestFailed(long intended, ErrorKind kind) {
        liveErrors.increment();
        if (measured(intended)) {
            errors[kind.ordinal()].increment();
        }
    }

    /** A connection attempt failed at {@code now}. */
    void connectFailed(long now) {
        requestFailed(now, ErrorKind.CONNECT);
    }

    /** An open-loop request was due inside the window but the run was stopped before it could be sent. */
    void requestUnsent(long intended) {
        if (measured(intended)) {
            unsent.increment();
        }
    }

    long liveSent() {
        return liveSent.sum();
    }

    long liveCompleted() {
        return liveCompleted.sum();
    }

    long liveErrors() {
        return liveErrors.sum();
    }

    /** The time-to-first-byte samples since the last call, recycling {@code previous}. */
    Histogram intervalTtfb(@Nullable Histogram previous) {
        return intervalTtfb.getIntervalHistogram(previous);
    }

    /** Everything measured, once the run has ended. */
    MeasuredTotals totals() {
        Map<LatencyMeasure, Histogram> histograms = new EnumMap<>(LatencyMeasure.class);
        for (Map.Entry<LatencyMeasure, Recorder> recorder : measured.entrySet()) {
            histograms.put(recorder.getKey(), recorder.getValue().getIntervalHistogram());
        }
        Map<ErrorKind, Long> errorCounts = new EnumMap<>(ErrorKind.class);
        for (ErrorKind kind : ErrorKind.values()) {
            errorCounts.put(kind, errors[kind.ordinal()].sum());
        }
        long[] classes = new long[statusClasses.length];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = statusClasses[i].sum();
        }
        return new MeasuredTotals(histograms, sent.sum(), responses.sum(), unsent.sum(), bytes.sum(), errorCounts, classes);
    }

    /** Nanoseconds to whole microseconds, clamped to what the histograms hold. */
    static long micros(long nanos) {
        return Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1_000));
    }

    private static LongAdder[] adders(int count) {
        LongAdder[] adders = new LongAdder[count];
        for (int i = 0; i < count; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    /** The measured figures at the end of a run. */
    record MeasuredTotals(
            Map<LatencyMeasure, Histogram> histograms,
            long sent,
            long responses,
            long unsent,
            long bytes,
            Map<ErrorKind, Long> errors,
            long[] statusClasses) {
    }
}
