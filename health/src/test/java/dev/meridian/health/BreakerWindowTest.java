package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The closed breaker's window on a manual clock, which starts on a whole second: 10 s window,
 * minimum 10 calls, 50% failures, 80% slow calls.
 */
class BreakerWindowTest {

    private final ManualClock clock = new ManualClock();
    private final BreakerWindow window = new BreakerWindow(10, 10, 50, 80, clock);

    private boolean record(int times, boolean failed, boolean slow) {
        boolean exceeded = false;
        for (int i = 0; i < times; i++) {
            exceeded = window.record(failed, slow);
        }
        return exceeded;
    }

    @Test
    void belowMinimumCallsTheRatesAreUnknownAndNothingOpens() {
        assertThat(window.failureRate()).as("empty").isEqualTo(-1f);

        assertThat(record(9, true, true)).as("9 failed slow calls: fewer than minimum-calls").isFalse();
        assertThat(window.failureRate()).isEqualTo(-1f);
        assertThat(window.slowCallRate()).isEqualTo(-1f);
        assertThat(window.calls()).isEqualTo(9);

        assertThat(window.record(true, true)).as("the 10th call").isTrue();
        assertThat(window.failureRate()).isEqualTo(100f);
        assertThat(window.slowCallRate()).isEqualTo(100f);
    }

    @Test
    void aFailureRateAtTheThresholdOpensAndOneBelowDoesNot() {
        record(4, true, false);
        assertThat(record(6, false, false)).as("40% failed").isFalse();
        assertThat(window.failureRate()).isEqualTo(40f);

        window.reset();
        record(5, true, false);
        assertThat(record(5, false, false)).as("50% failed: a success that reaches minimum-calls opens it").isTrue();
        assertThat(window.failureRate()).isEqualTo(50f);
    }

    @Test
    void slowCallsCountWhetherTheyFailedOrNot() {
        record(2, false, false);
        record(4, false, true);
        assertThat(record(4, true, true)).as("80% slow, 40% failed").isTrue();
        assertThat(window.slowCallRate()).isEqualTo(80f);
        assertThat(window.failureRate()).isEqualTo(40f);
    }

    @Test
    void callsLeaveTheWindowWhenTheirSecondIsWindowSecondsOld() {
        record(10, true, false);

        clock.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(window.failureRate()).as("a nanosecond before the end of the window").isEqualTo(100f);

        clock.advance(Duration.ofNanos(1));
        assertThat(window.calls()).as("10 s later").isZero();
        assertThat(window.failureRate()).isEqualTo(-1f);
        assertThat(window.exceeded()).isFalse();
    }

    @Test
    void theWindowMovesOneSecondSliceAtATime() {
        clock.advance(Duration.ofMillis(999));
        record(5, true, false);
        clock.advance(Duration.ofMillis(1));
        record(5, false, false);

        clock.advance(Duration.ofMillis(8999));
        assertThat(window.failureRate()).as("both seconds in the window").isEqualTo(50f);

        clock.advance(Duration.ofMillis(1));
        assertThat(window.calls()).as("the failures' second left, 9.001 s after them").isEqualTo(5);

        clock.advance(Duration.ofSeconds(1));
        assertThat(window.calls()).isZero();
    }

    @Test
    void aSliceUsedAgainOnTheNextTurnForgetsItsOldCalls() {
        record(9, true, false);
        clock.advance(Duration.ofSeconds(10));

        assertThat(window.record(false, false)).isFalse();
        assertThat(window.calls()).as("the same slice, one turn later").isEqualTo(1);
    }

    @Test
    void aCallHeldUpUntilALaterTurnStartedItsSliceLeavesThatTurnsCallsAlone() {
        clock.advance(Duration.ofSeconds(10));
        record(5, true, false);

        clock.advance(Duration.ofSeconds(-10)); // a thread that read the clock one turn earlier counts its call now
        window.record(false, false);
        clock.advance(Duration.ofSeconds(10));

        assertThat(window.calls()).as("the later turn's calls; the late call has left the window").isEqualTo(5);
        assertThat(record(5, true, false)).as("10 failed calls in the window").isTrue();
    }

    @Test
    void aWindowResetAFewTurnsBeforeItsTurnCounterWrapsCountsItsCalls() {
        // The manual clock starts on slice -259200: turn -25920 of the 10-slice ring. Move to turn -3,
        // three turns before the 19-bit turn counter wraps to 0.
        clock.advance(Duration.ofSeconds(10L * (25920 - 3)));
        window.reset();

        assertThat(record(10, true, false)).as("10 failed calls since the reset").isTrue();
        assertThat(window.calls()).isEqualTo(10);
    }

    @Test
    void resetForgetsEveryCall() {
        record(5, true, false);
        clock.advance(Duration.ofSeconds(3));
        record(5, true, false);
        assertThat(window.exceeded()).isTrue();

        window.reset();

        assertThat(window.calls()).isZero();
        assertThat(record(9, true, false)).as("9 calls since the reset").isFalse();
    }

    @Test
    void aFullSliceCountsItsFirstCalls() {
        record(BreakerWindow.MAX_PER_SLICE, false, false);
        assertThat(record(10, true, false)).isFalse();

        assertThat(window.calls()).isEqualTo(BreakerWindow.MAX_PER_SLICE);
        assertThat(window.failureRate()).as("the failures after the slice filled are not counted").isEqualTo(0f);

        clock.advance(Duration.ofSeconds(1));
        record(BreakerWindow.MAX_PER_SLICE, true, false);
        assertThat(window.failureRate()).as("the next slice counts again").isEqualTo(50f);
    }

    @Test
    void aLongWindowIsCutIntoSixtyFourSlices() {
        BreakerWindow hour = new BreakerWindow(3600, 1, 50, 100, clock);
        hour.record(true, false);

        clock.advance(Duration.ofSeconds(3600 - 57)); // a slice is 56.25 s
        assertThat(hour.calls()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(57));
        assertThat(hour.calls()).as("an hour later").isZero();
    }

    @Test
    void concurrentCallsAreAllCounted() throws Exception {
        int perThread = 10_000;
        BreakerWindow busy = new BreakerWindow(10, 10, 50, 100, clock);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?> successes = threads.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    busy.record(false, false);
                    if (i % 1000 == 999) {
                        // 2 s in all: the second half of the successes start the next slice while the failures go on
                        clock.advance(Duration.ofMillis(200));
                    }
                }
                return null;
            });
            Future<?> failures = threads.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    busy.record(true, false);
                }
                return null;
            });
            start.countDown();
            successes.get(10, TimeUnit.SECONDS);
            failures.get(10, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }

        assertThat(busy.calls()).isEqualTo(2 * perThread);
        assertThat(busy.failureRate()).isEqualTo(50f);
    }
}
