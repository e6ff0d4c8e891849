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
 *
 * <p>Requests outside the window are recorded too, into a second {@link Tally} that is thrown
 * away, and the tally is picked without a branch. The recording code is then the same, equally hot
 * and equally compiled, before and after the warm-up ends. When the warm-up recorded nothing, the
 * first measured response made the JIT throw away the compiled send and receive paths and compile
 * them again (seen with {@code -XX:+PrintCompilation}), on the CPU the generator shares with the
 * benchmark's backend, just as the measured seconds began.
 */
final class LoadMeasurements {

    /** Histograms hold microseconds, from 1 us to an hour, with three significant digits. */
    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    static final int SIGNIFICANT_DIGITS = 3;

    /** Index 1: requests inside the window (the result); index 0: the others (discarded). */
    private final Tally[] tallies = {new Tally(), new Tally()};
    private final Recorder intervalTtfb = newRecorder();
    private final Recorder intervalServiceTtfb = newRecorder();

    private final LongAdder warmupSkipped = new LongAdder();
    private final LongAdder liveSent = new LongAdder();
    private final LongAdder liveCompleted = new LongAdder();
    private final LongAdder liveErrors = new LongAdder();

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

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

    /**
     * The tally for a request intended at {@code nanos}: the result's when it is inside the window,
     * else the discarded one. Chosen by arithmetic, not a branch: a branch never taken during the
     * warm-up would be compiled as a trap that throws the compiled caller away when it is first taken.
     * ({@code a - b >>> 63} is 1 when {@code a < b}, the comparison {@link System#nanoTime()} asks
     * for. Before {@link #window} both ends are the same, so every request is discarded.)
     */
    private Tally tally(long nanos) {
        long afterStart = ((nanos - windowStart) >>> 63) ^ 1;
        long beforeEnd = (nanos - windowEnd) >>> 63;
        return tallies[(int) (afterStart & beforeEnd)];
    }

    void requestSent(long intended) {
        liveSent.increment();
        tally(intended).sent.increment();
    }

    /** The response head arrived: feeds the per-second time-to-first-byte percentiles (both kinds). */
    void responseHead(long intended, long sentAt, long head) {
        intervalTtfb.recordValue(micros(head - intended));
        intervalServiceTtfb.recordValue(micros(head - sentAt));
    }

    /** A response ended; its four latencies are recorded when the request was measured. */
    void responseEnded(long intended, long sentAt, long head, long end, int status, long bodyBytes) {
        liveCompleted.increment();
        ErrorKind error = ErrorKind.ofStatus(status);
        if (error != null) {
            liveErrors.increment();
        }
        Tally tally = tally(intended);
        tally.ttfb.recordValue(micros(head - intended));
        tally.total.recordValue(micros(end - intended));
        tally.serviceTtfb.recordValue(micros(head - sentAt));
        tally.serviceTotal.recordValue(micros(end - sentAt));
        tally.responses.increment();
        tally.bytes.add(bodyBytes);
        tally.statusClasses[Math.min(5, Math.max(0, status / 100))].increment();
        if (error != null) {
            tally.errors[error.ordinal()].increment();
        }
    }

    /** A request failed without a complete response ({@code at}: its intended time). */
    void requestFailed(long intended, ErrorKind kind) {
        liveErrors.increment();
        tally(intended).errors[kind.ordinal()].increment();
    }

    /** A connection attempt failed at {@code now}. */
    void connectFailed(long now) {
        requestFailed(now, ErrorKind.CONNECT);
    }

    /** An open-loop request was due inside the window but the run was stopped before it could be sent. */
    void requestUnsent(long intended) {
        tally(intended).unsent.increment();
    }

    /** {@code count} requests due in the warm-up were still unsent when it ended, and were dropped. */
    void warmupSkipped(long count) {
        warmupSkipped.add(count);
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

    /** The service-time-to-first-byte samples since the last call, recycling {@code previous}. */
    Histogram intervalServiceTtfb(@Nullable Histogram previous) {
        return intervalServiceTtfb.getIntervalHistogram(previous);
    }

    /** Everything measured, once the run has ended. */
    MeasuredTotals totals() {
        return tallies[1].totals(warmupSkipped.sum());
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

    /** The histograms and counts of one set of requests. */
    private static final class Tally {
        final Recorder ttfb = newRecorder();
        final Recorder total = newRecorder();
        final Recorder serviceTtfb = newRecorder();
        final Recorder serviceTotal = newRecorder();
        final LongAdder sent = new LongAdder();
        final LongAdder responses = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder unsent = new LongAdder();
        final LongAdder[] statusClasses = adders(6);
        final LongAdder[] errors = adders(ErrorKind.values().length);

        MeasuredTotals totals(long warmupSkipped) {
            Map<LatencyMeasure, Histogram> histograms = new EnumMap<>(LatencyMeasure.class);
            histograms.put(LatencyMeasure.TTFB, ttfb.getIntervalHistogram());
            histograms.put(LatencyMeasure.TOTAL, total.getIntervalHistogram());
            histograms.put(LatencyMeasure.SERVICE_TTFB, serviceTtfb.getIntervalHistogram());
            histograms.put(LatencyMeasure.SERVICE_TOTAL, serviceTotal.getIntervalHistogram());
            Map<ErrorKind, Long> errorCounts = new EnumMap<>(ErrorKind.class);
            for (ErrorKind kind : ErrorKind.values()) {
                errorCounts.put(kind, errors[kind.ordinal()].sum());
            }
            long[] classes = new long[statusClasses.length];
            for (int i = 0; i < classes.length; i++) {
                classes[i] = statusClasses[i].sum();
            }
            return new MeasuredTotals(histograms, sent.sum(), responses.sum(), unsent.sum(), warmupSkipped, bytes.sum(),
                    errorCounts, classes);
        }
    }

    /** The measured figures at the end of a run. */
    record MeasuredTotals(
            Map<LatencyMeasure, Histogram> histograms,
            long sent,
            long responses,
            long unsent,
            long warmupSkipped,
            long bytes,
            Map<ErrorKind, Long> errors,
            long[] statusClasses) {
    }
}
