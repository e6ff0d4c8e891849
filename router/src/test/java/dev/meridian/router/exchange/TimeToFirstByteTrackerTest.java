package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeToFirstByteTrackerTest {

    private long now = 5_000_000_000_000L;
    private final TimeToFirstByteTracker tracker = new TimeToFirstByteTracker(() -> now);

    @Test
    void p95IsWithinTheBucketErrorOfTheTrueValue() {
        for (int i = 1; i <= 1000; i++) {
            tracker.record("us-east4", i * 1_000_000L); // 1..1000 ms, p95 = 950 ms
        }
        long p95 = tracker.quantileNanos("us-east4", 0.95);
        assertThat(p95 / 1e6).isBetween(950.0, 950.0 * 1.25);
        assertThat(tracker.quantileNanos("europe-west2", 0.95)).as("unknown region").isEqualTo(-1);
    }

    @Test
    void tooFewSamplesGiveNoAnswer() {
        for (int i = 0; i < TimeToFirstByteTracker.MIN_SAMPLES - 1; i++) {
            tracker.record("us-east4", 50_000_000L);
        }
        assertThat(tracker.quantileNanos("us-east4", 0.95)).isEqualTo(-1);
        tracker.record("us-east4", 50_000_000L);
        assertThat(tracker.quantileNanos("us-east4", 0.95)).isPositive();
    }

    @Test
    void oldSamplesAgeOut() {
        for (int i = 0; i < 100; i++) {
            tracker.record("us-east4", 2_000_000_000L);
        }
        now += 25_000_000_000L;
        for (int i = 0; i < 100; i++) {
            tracker.record("us-east4", 10_000_000L);
        }
        assertThat(tracker.quantileNanos("us-east4", 0.95) / 1e6).isLessThan(20);
    }
}
