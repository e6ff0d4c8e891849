package dev.meridian.router.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link SliHistory}: windows are differences of cumulative samples, and the ring keeps one long window. */
class SliHistoryTest {

    private static SliCounters attempts(double n) {
        return new SliCounters(n, 0, 0, 0, 0);
    }

    @Test
    void aWindowIsTheNewestSampleMinusTheNewestOneAtLeastAWindowOlder() {
        SliHistory history = new SliHistory(10);
        assertThat(history.window("a", 5)).as("one sample is no window").isEqualTo(SliCounters.ZERO);
        for (int t = 0; t <= 20; t++) {
            history.add(t, Map.of("a", attempts(t * 100)));
        }

        assertThat(history.window("a", 5).attempts()).isEqualTo(500);
        assertThat(history.window("a", 10).attempts()).isEqualTo(1000);
        assertThat(history.window("a", 50).attempts()).as("longer than kept: what the ring has").isEqualTo(1000);
        assertThat(history.coveredNanos()).isEqualTo(10);
        assertThat(history.window("b", 5)).as("a region never seen").isEqualTo(SliCounters.ZERO);
    }

    @Test
    void aCounterThatWentBackwardsCountsFromZero() {
        SliHistory history = new SliHistory(10);
        history.add(0, Map.of("a", attempts(500)));
        history.add(1, Map.of("a", attempts(30)));

        assertThat(history.window("a", 1).attempts()).isEqualTo(30);
    }
}
