package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The deadlines every mechanism registers: the earliest one is kept, and one thread acts on it. */
class HealthTimelineTest {

    private final ManualClock clock = new ManualClock();
    private final HealthTimeline timeline = new HealthTimeline(clock);

    @Test
    void theEarliestDeadlineIsKept() {
        assertThat(timeline.nextDeadline()).isEqualTo(HealthTimeline.NO_DEADLINE);

        timeline.registerDeadline(300);
        timeline.registerDeadline(100);
        timeline.registerDeadline(200);

        assertThat(timeline.nextDeadline()).isEqualTo(100);
    }

    @Test
    void aDeadlineNotYetPassedIsRegisteredAndOnePassedIsNot() {
        long now = clock.getAsLong();

        assertThat(timeline.passed(now + 1, now)).isFalse();
        assertThat(timeline.nextDeadline()).isEqualTo(now + 1);
        assertThat(timeline.passed(now - 1, now)).isTrue();
        assertThat(timeline.passed(now, now)).as("a deadline passes at its instant").isTrue();
        assertThat(timeline.nextDeadline()).isEqualTo(now + 1);
    }

    @Test
    void oneThreadClaimsADeadlineAndLaterOnesStayRegistered() {
        timeline.registerDeadline(100);

        assertThat(timeline.claim(100)).isTrue();
        assertThat(timeline.claim(100)).as("claimed already").isFalse();
        assertThat(timeline.nextDeadline()).isEqualTo(HealthTimeline.NO_DEADLINE);

        timeline.registerDeadline(500);
        assertThat(timeline.claim(100)).as("not the next deadline").isFalse();
        assertThat(timeline.nextDeadline()).isEqualTo(500);
    }

    @Test
    void nowIsTheInjectedClockAndChangesMoveTheVersion() {
        long before = timeline.now();
        clock.advance(Duration.ofSeconds(1));
        long version = timeline.version();

        timeline.changed();

        assertThat(timeline.now() - before).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(timeline.version()).isEqualTo(version + 1);
    }
}
