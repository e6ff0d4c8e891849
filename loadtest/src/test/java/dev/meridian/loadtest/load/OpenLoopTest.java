package dev.meridian.loadtest.load;

import dev.meridian.loadtest.SocketTransport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.meridian.loadtest.load.ScriptedHttpServer.Reply;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The open loop holds its rate and measures known latencies right. */
class OpenLoopTest {

    @Test
    void holdsFiveHundredRequestsPerSecondForThreeSeconds() {
        try (ScriptedHttpServer server = ScriptedHttpServer.fast()) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 500, Duration.ofSeconds(3))
                    .withConnections(16));

            assertThat(result.requests()).as("500/s for 3 s").isBetween(1455L, 1545L);
            assertThat(result.achievedRate()).isCloseTo(500, within(15.0));
            assertThat(result.sent()).isEqualTo(result.requests());
            assertThat(result.errorCount()).isZero();
            assertThat(result.responsesByStatusClass()).containsEntry("2xx", result.requests());
            assertThat(result.bytesReceived()).isEqualTo(2 * result.requests());
            assertThat(result.timeline()).as("one entry per second, each near 500")
                    .hasSizeBetween(3, 4)
                    .first().satisfies(second -> assertThat(second.sent()).isBetween(450L, 550L));
            assertThat(server.requests()).as("nothing is sent outside the run").isEqualTo(result.sent());
        }
    }

    @Test
    void fixedServerDelayShowsAsMedianAndNinetyNinthPercentile() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((n, at) -> Reply.after(Duration.ofMillis(20)))) {
            // The tail is at the mercy of the machine: on a 2-core box shared with other builds, the
            // server's or the client's event loop loses the CPU now and then for 10-50 ms, and p99 of
            // 300 samples is 3 of them. A generator that mismeasures fails every attempt; a noisy
            // neighbour rarely spoils three in a row.
            Histogram ttfb = twentyMillisecondRun(server);
            for (int attempt = 2; attempt <= 3 && !withinBounds(ttfb); attempt++) {
                ttfb = twentyMillisecondRun(server);
            }
            assertThat(ttfb.getValueAtPercentile(50)).as("p50 (us)").isBetween(20_000L, 24_000L);
            assertThat(ttfb.getValueAtPercentile(99)).as("p99 (us)").isBetween(20_000L, 35_000L);
        }
    }

    /** 1.5 s at 200/s after a 0.5 s warm-up, checking what must hold on every attempt. */
    private static Histogram twentyMillisecondRun(ScriptedHttpServer server) {
        LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 200, Duration.ofMillis(1500))
                .withConnections(16)
                .withWarmup(Duration.ofMillis(500)));
        Histogram ttfb = result.ttfb();
        assertThat(ttfb.getTotalCount()).isEqualTo(300);
        assertThat(result.warmupSkipped()).as("on schedule when the warm-up ends: nothing dropped").isZero();
        assertThat(ttfb.getMinValue()).as("never less than the server's delay (us)").isGreaterThanOrEqualTo(20_000);
        assertThat(result.total().getValueAtPercentile(50)).as("a small body ends right after the head (us)")
                .isBetween(20_000L, ttfb.getValueAtPercentile(50) + 1_000);
        return ttfb;
    }

    private static boolean withinBounds(Histogram ttfb) {
        return ttfb.getValueAtPercentile(50) <= 24_000 && ttfb.getValueAtPercentile(99) <= 35_000;
    }

    @Test
    void oneRequestInTenAtOneHundredMillisecondsIsTheTailNotTheMedian() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                (n, at) -> n % 10 == 0 ? Reply.after(Duration.ofMillis(100)) : Reply.now())) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 200, Duration.ofSeconds(2))
                    .withConnections(32)
                    .withWarmup(Duration.ofMillis(500)));

            Histogram ttfb = result.ttfb();
            assertThat(ttfb.getValueAtPercentile(95)).as("p95 (us) falls among the slow tenth").isGreaterThanOrEqualTo(100_000);
            assertThat(ttfb.getValueAtPercentile(50)).as("p50 (us)").isLessThan(10_000);
            assertThat(ttfb.getValueAtPercentile(85)).as("p85 (us) is still fast").isLessThan(10_000);
        }
    }

    @Test
    void nioTransportMeasuresTheSame() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((n, at) -> Reply.after(Duration.ofMillis(5)));
                LoadGenerator generator = LoadGenerator.start(LoadSpec.openLoop(server.uri(), 200, Duration.ofSeconds(1))
                        .withConnections(8)
                        .withEventLoops(2)
                        .withWarmup(Duration.ofMillis(500)), SocketTransport.NIO)) {
            LoadResult result = generator.awaitResult();

            assertThat(result.transport()).isEqualTo("nio");
            assertThat(result.requests()).isBetween(194L, 206L);
            // NIO's timers have millisecond resolution: requests go out up to a millisecond or two late.
            assertThat(result.ttfb().getValueAtPercentile(50)).isBetween(5_000L, 12_000L);
        }
    }

    @Test
    void stopEndsTheRunEarlyAndCountsOnlyTheTimeUntilThen() {
        try (ScriptedHttpServer server = ScriptedHttpServer.fast();
                LoadGenerator generator = LoadGenerator.start(
                        LoadSpec.openLoop(server.uri(), 400, Duration.ofSeconds(60)).withConnections(4))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !generator.timelineSoFar().isEmpty());
            LoadResult result = generator.stop();

            assertThat(result.measuredDuration()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
            assertThat(result.achievedRate()).isCloseTo(400, within(40.0));
            assertThat(result.requests()).as("requests in flight at the stop still finish").isEqualTo(result.sent());
            assertThat(result.unsent()).as("due at the stop but not yet sent: a timer tick's worth at most")
                    .isLessThanOrEqualTo(4);
        }
    }
}
