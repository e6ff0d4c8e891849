package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The result counts only requests intended inside the measurement window, whatever the clock's
 * values: {@link System#nanoTime()} may be negative, or cross zero during a run.
 */
class LoadMeasurementsTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @ParameterizedTest(name = "window starting at {0}")
    @ValueSource(longs = {0, 1_000_000_000_000L, -1_000_000_000_000L, -5 * 1_000_000, Long.MAX_VALUE - 20 * 1_000_000,
            Long.MIN_VALUE + 1})
    void countsWhatIsIntendedInsideTheWindowAndNothingElse(long start) {
        LoadMeasurements measurements = new LoadMeasurements();
        long end = start + 10 * MS;
        measurements.requestSent(start);
        measurements.responseEnded(start, start, start + MS, start + MS, 200, 10);
        measurements.window(start, end);

        answer(measurements, start - 1, 200, 1);
        answer(measurements, start, 200, 20);
        answer(measurements, start + 5 * MS, 503, 300);
        answer(measurements, end - 1, 200, 4_000);
        answer(measurements, end, 200, 50_000);
        measurements.requestFailed(start - MS, ErrorKind.TIMEOUT);
        measurements.requestFailed(start + MS, ErrorKind.RESET);
        measurements.requestUnsent(end + MS);
        measurements.requestUnsent(end - MS);

        LoadMeasurements.MeasuredTotals totals = measurements.totals();
        assertThat(totals.sent()).isEqualTo(3);
        assertThat(totals.responses()).isEqualTo(3);
        assertThat(totals.bytes()).isEqualTo(20 + 300 + 4_000);
        assertThat(totals.unsent()).isEqualTo(1);
        assertThat(totals.statusClasses()[2]).isEqualTo(2);
        assertThat(totals.statusClasses()[5]).isEqualTo(1);
        assertThat(totals.errors()).containsEntry(ErrorKind.RESET, 1L).containsEntry(ErrorKind.TIMEOUT, 0L);
        assertThat(totals.histograms().get(LatencyMeasure.TTFB).getTotalCount()).isEqualTo(3);
        assertThat(totals.histograms().get(LatencyMeasure.SERVICE_TOTAL).getTotalCount()).isEqualTo(3);
        // Every request, measured or not, is in the live counts of the timeline.
        assertThat(measurements.liveSent()).isEqualTo(6);
        assertThat(measurements.liveCompleted()).isEqualTo(6);
    }

    @ParameterizedTest(name = "stopped at {0} ms")
    @ValueSource(longs = {-1, 0, 3})
    void aStopShortensTheWindowButNeverBeforeItsStart(long stopMillis) {
        LoadMeasurements measurements = new LoadMeasurements();
        long start = -2 * MS;
        measurements.window(start, start + 10 * MS);
        measurements.endWindow(start + stopMillis * MS);

        answer(measurements, start, 200, 1);
        answer(measurements, start + 2 * MS, 200, 1);

        long expected = stopMillis <= 0 ? 0 : stopMillis <= 2 ? 1 : 2;
        assertThat(measurements.totals().responses()).isEqualTo(expected);
        assertThat(measurements.windowEnd()).isEqualTo(start + Math.max(0, stopMillis) * MS);
    }

    private static void answer(LoadMeasurements measurements, long intended, int status, long bytes) {
        measurements.requestSent(intended);
        measurements.responseEnded(intended, intended, intended + 100_000, intended + 200_000, status, bytes);
    }
}
