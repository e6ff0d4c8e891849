package dev.meridian.router.exchange;

import static dev.meridian.router.exchange.ExchangeTimer.Deadline.FIRST_BYTE;
import static dev.meridian.router.exchange.ExchangeTimer.Deadline.HEDGE;
import static dev.meridian.router.exchange.ExchangeTimer.Deadline.IDLE;
import static dev.meridian.router.exchange.ExchangeTimer.Deadline.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.exchange.ExchangeTimer.Deadline;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One exchange's deadlines on an {@link EmbeddedChannel}'s event loop with frozen time, and a fake
 * ticker moved in step with it: they fire in order, re-arm, and are cancelled when the exchange finishes.
 */
class ExchangeTimerTest {

    private static final long MS = 1_000_000;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private long now = 5_000_000_000_000L;
    private final List<Deadline> fired = new ArrayList<>();
    private ExchangeTimer.Listener listener = fired::add;
    private final ExchangeTimer timer = new ExchangeTimer(channel.eventLoop(), () -> now, d -> listener.onDeadline(d));

    ExchangeTimerTest() {
        channel.freezeTime();
    }

    @AfterEach
    void close() {
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    /** Moves both clocks by {@code millis} and runs what is due; the delay to the next task, or -1. */
    private long advance(long millis) {
        now += millis * MS;
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        return channel.runScheduledPendingTasks();
    }

    @Test
    void deadlinesFireInTheOrderTheyPass() {
        timer.setIn(TOTAL, 100 * MS);
        timer.setIn(FIRST_BYTE, 30 * MS);
        timer.setIn(HEDGE, 10 * MS);

        assertThat(advance(9)).as("one task, armed for the hedge").isEqualTo(1 * MS);
        assertThat(fired).isEmpty();
        assertThat(advance(1)).as("re-armed for the first byte").isEqualTo(20 * MS);
        assertThat(fired).containsExactly(HEDGE);
        advance(20);
        assertThat(fired).containsExactly(HEDGE, FIRST_BYTE);
        assertThat(advance(70)).as("nothing left to wait for").isEqualTo(-1);
        assertThat(fired).containsExactly(HEDGE, FIRST_BYTE, TOTAL);
        assertThat(timer.isSet(TOTAL)).isFalse();
    }

    @Test
    void deadlinesDueTogetherFireFirstByteHedgeIdleTotal() {
        timer.setIn(TOTAL, 50 * MS);
        timer.setIn(IDLE, 40 * MS);
        timer.setIn(HEDGE, 45 * MS);
        timer.setIn(FIRST_BYTE, 50 * MS);

        advance(60);

        assertThat(fired).containsExactly(FIRST_BYTE, HEDGE, IDLE, TOTAL);
    }

    @Test
    void anEarlierDeadlineReArmsAndALaterOrClearedOneWaitsForTheArmedTask() {
        timer.setIn(TOTAL, 100 * MS);
        assertThat(channel.runScheduledPendingTasks()).isEqualTo(100 * MS);
        timer.setIn(FIRST_BYTE, 30 * MS);
        assertThat(channel.runScheduledPendingTasks()).as("re-armed earlier").isEqualTo(30 * MS);

        timer.clear(FIRST_BYTE);
        assertThat(timer.isSet(FIRST_BYTE)).isFalse();
        assertThat(channel.runScheduledPendingTasks()).as("clearing does not reschedule").isEqualTo(30 * MS);
        assertThat(advance(30)).as("fired with nothing due, re-armed for the total").isEqualTo(70 * MS);
        assertThat(fired).isEmpty();

        advance(70);
        assertThat(fired).containsExactly(TOTAL);
    }

    @Test
    void aListenerMayMoveADeadlineLaterWhileItFires() {
        // The idle timeout's way: activity since, so the deadline moves to last activity + idle.
        listener = deadline -> {
            fired.add(deadline);
            if (fired.size() == 1) {
                timer.setIn(IDLE, 25 * MS);
            }
        };
        timer.setIn(IDLE, 10 * MS);

        assertThat(advance(10)).isEqualTo(25 * MS);
        advance(25);

        assertThat(fired).containsExactly(IDLE, IDLE);
    }

    @Test
    void cancellingClearsEveryDeadlineAndTheTask() {
        timer.setIn(FIRST_BYTE, 10 * MS);
        timer.setIn(TOTAL, 100 * MS);

        timer.cancel();

        assertThat(channel.runScheduledPendingTasks()).as("no task left on the loop").isEqualTo(-1);
        advance(200);
        assertThat(fired).isEmpty();
        assertThat(timer.isSet(TOTAL)).isFalse();
    }

    @Test
    void aListenerThatFinishesTheExchangeStopsTheRest() {
        listener = deadline -> {
            fired.add(deadline);
            timer.cancel();
        };
        timer.setIn(FIRST_BYTE, 10 * MS);
        timer.setIn(TOTAL, 10 * MS);

        assertThat(advance(10)).isEqualTo(-1);

        assertThat(fired).containsExactly(FIRST_BYTE);
    }
}
