package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.StallConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The stall rule with the defaults: threshold max(1 s, 4 × p99), 2 overdue attempts, 16 late ones at most. */
class StallRuleTest {

    private static final long MS = 1_000_000;

    private final StallRule rule = new StallRule(StallConfig.ofDefaults());

    @Test
    void theThresholdIsAMultipleOfTheLiveP99WithAFloor() {
        assertThat(rule.thresholdNanos(80 * MS)).as("4 × 80 ms is below the 1 s floor").isEqualTo(1000 * MS);
        assertThat(rule.thresholdNanos(2000 * MS)).as("4 × 2 s").isEqualTo(8000 * MS);
        assertThat(rule.thresholdNanos(-1)).as("p99 unknown: not judged").isEqualTo(-1);
        assertThat(new StallRule(new StallConfig(false, 4, Duration.ofSeconds(1), 2, 16)).thresholdNanos(80 * MS)).isEqualTo(-1);
        assertThat(new StallRule(new StallConfig(true, 2, Duration.ofMillis(300), 2, 16))
                .thresholdNanos(200 * MS)).isEqualTo(400 * MS);
    }

    @ParameterizedTest(name = "{0} after {1} ms against {2} ms: {3} ({4})")
    @CsvSource(delimiter = '|', textBlock = """
            late    | 81    | 80   | true  | past the p99
            late    | 80    | 80   | false | at the p99
            late    | 10000 | -1   | false | p99 unknown
            overdue | 1001  | 1000 | true  | past the threshold
            overdue | 999   | 1000 | false | within the threshold
            overdue | 60000 | -1   | false | threshold unknown
            """)
    void anAttemptIsLatePastTheP99AndOverduePastTheThreshold(String check, long waitedMillis, long limitMillis,
            boolean expected, String why) {
        boolean actual = switch (check) {
            case "late" -> rule.late(waitedMillis * MS, nanos(limitMillis));
            case "overdue" -> rule.overdue(waitedMillis * MS, nanos(limitMillis));
            default -> throw new IllegalArgumentException(check);
        };
        assertThat(actual).as(why).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} overdue, silent {1} ms, threshold {2} ms: stalled {3} ({4})")
    @CsvSource(delimiter = '|', textBlock = """
            2  | 1200  | 1000 | true  | two overdue and silent past the threshold
            1  | 1200  | 1000 | false | one slow request is not a stalled region
            50 | 300   | 1000 | false | it answered others 300 ms ago: slow, not stalled
            50 | 60000 | -1   | false | p99 unknown
            """)
    void aRegionStallsWhenAttemptsAreOverdueAndNoneWasAnswered(int overdue, long silentMillis, long thresholdMillis,
            boolean stalled, String why) {
        assertThat(rule.stalled(overdue, silentMillis * MS, nanos(thresholdMillis))).as(why).isEqualTo(stalled);
    }

    @ParameterizedTest(name = "{0} late, silent {1} ms, p99 {2} ms: admits {3} ({4})")
    @CsvSource(delimiter = '|', textBlock = """
            15  | 500   | 80 | true  | fewer than 16 late
            16  | 500   | 80 | false | silent past its p99 with 16 late
            500 | 50    | 80 | true  | it answered within its p99: not silent
            500 | 60000 | -1 | true  | p99 unknown
            """)
    void aSilentRegionTakesNewAttemptsOnlyWhileFewerThanMaxWaitingAreLate(int late, long silentMillis, long p99Millis,
            boolean admits, String why) {
        assertThat(rule.admits(late, silentMillis * MS, nanos(p99Millis))).as(why).isEqualTo(admits);
    }

    @Test
    void aDisabledRuleAdmitsEveryAttempt() {
        assertThat(new StallRule(new StallConfig(false, 4, Duration.ofSeconds(1), 2, 16)).admits(500, 60_000 * MS, 80 * MS)).isTrue();
    }

    /** Milliseconds as nanoseconds; -1, "not known", stays -1. */
    private static long nanos(long millis) {
        return millis < 0 ? -1 : millis * MS;
    }
}
