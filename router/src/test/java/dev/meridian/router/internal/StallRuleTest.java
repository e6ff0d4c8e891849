package dev.meridian.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.StallConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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

    @Test
    void anAttemptIsLatePastTheP99AndOverduePastTheThreshold() {
        assertThat(rule.late(81 * MS, 80 * MS)).isTrue();
        assertThat(rule.late(80 * MS, 80 * MS)).isFalse();
        assertThat(rule.late(10_000 * MS, -1)).as("p99 unknown").isFalse();
        assertThat(rule.overdue(1001 * MS, 1000 * MS)).isTrue();
        assertThat(rule.overdue(999 * MS, 1000 * MS)).isFalse();
        assertThat(rule.overdue(60_000 * MS, -1)).isFalse();
    }

    @Test
    void aRegionStallsWhenAttemptsAreOverdueAndNoneWasAnswered() {
        assertThat(rule.stalled(2, 1200 * MS, 1000 * MS)).isTrue();
        assertThat(rule.stalled(1, 1200 * MS, 1000 * MS)).as("one slow request is not a stalled region").isFalse();
        assertThat(rule.stalled(50, 300 * MS, 1000 * MS)).as("it answered others 300 ms ago: slow, not stalled").isFalse();
        assertThat(rule.stalled(50, 60_000 * MS, -1)).as("p99 unknown").isFalse();
    }

    @Test
    void aSilentRegionTakesNewAttemptsOnlyWhileFewerThanMaxWaitingAreLate() {
        assertThat(rule.admits(15, 500 * MS, 80 * MS)).isTrue();
        assertThat(rule.admits(16, 500 * MS, 80 * MS)).as("silent past its p99 with 16 late").isFalse();
        assertThat(rule.admits(500, 50 * MS, 80 * MS)).as("it answered within its p99: not silent").isTrue();
        assertThat(rule.admits(500, 60_000 * MS, -1)).as("p99 unknown").isTrue();
        assertThat(new StallRule(new StallConfig(false, 4, Duration.ofSeconds(1), 2, 16)).admits(500, 60_000 * MS, 80 * MS)).isTrue();
    }
}
