package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * A server that stalls every response for one second, once, in the middle of a run. A client that
 * wanted to send a request during the stall waited until it ended; the open loop must charge that
 * wait (latency from the intended send time), and show the gap to the service time; the closed
 * loop, which simply stops sending, shows the classic coordinated omission: the stall is a handful
 * of slow samples.
 */
class CoordinatedOmissionTest {

    private static final Duration STALL = Duration.ofSeconds(1);

    @Test
    void openLoopChargesTheStallToEveryRequestThatWaitedForIt() {
        // 200/s: 200 warm-up requests, then the 301st measured request (1.5 s in) starts the stall.
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                ScriptedHttpServer.stallOnce(500, STALL, Duration.ZERO))) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 200, Duration.ofSeconds(4))
                    .withConnections(16)
                    .withWarmup(Duration.ofSeconds(1)));

            Histogram corrected = result.ttfb();
            Histogram service = result.serviceTtfb();
            assertThat(result.requests()).isEqualTo(800);
            assertThat(result.errorCount()).isZero();
            double waitedOverHundredMillis = 1 - corrected.getPercentileAtOrBelowValue(100_000) / 100.0;
            assertThat(waitedOverHundredMillis)
                    .as("about a quarter of the requests were due during the stall and waited for it")
                    .isGreaterThan(0.18);
            assertThat(corrected.getValueAtPercentile(90)).as("corrected p90 (us)").isGreaterThanOrEqualTo(400_000);
            assertThat(corrected.getMaxValue()).as("corrected max (us)").isGreaterThanOrEqualTo(900_000L);
            assertThat(service.getValueAtPercentile(90))
                    .as("service-time p90 (us): only the 16 requests in flight during the stall saw it")
                    .isLessThan(100_000);
            assertThat(corrected.getValueAtPercentile(90)).isGreaterThan(5 * service.getValueAtPercentile(90));
            assertThat(result.timeline()).as("the stall is visible in the per-second time series")
                    .anySatisfy(second -> assertThat(second.ttfbP99Millis()).isGreaterThan(500));
            assertThat(result.timeline()).as("and the per-second service time leaves the waiting for a connection out")
                    .anySatisfy(second -> assertThat(second.ttfbP50Millis()).isGreaterThan(100)
                            .isGreaterThan(5 * second.serviceTtfbP50Millis()));
        }
    }

    @Test
    void aStallAcrossTheEndOfTheWarmUpDropsTheWarmUpsBacklogAndChargesOnlyTheMeasuredWait() {
        // 200/s, 16 connections, 1 s warm-up: the 100th request (0.5 s in) stalls the server for
        // 0.8 s. When the warm-up ends, the 16 in flight wait and about 84 warm-up requests are due
        // and unsent; they are dropped, so the measured seconds carry only their own 0.3 s of waiting.
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                ScriptedHttpServer.stallOnce(100, Duration.ofMillis(800), Duration.ZERO))) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 200, Duration.ofSeconds(2))
                    .withConnections(16)
                    .withWarmup(Duration.ofSeconds(1)));

            assertThat(result.warmupSkipped()).as("warm-up requests due during the stall, less those in flight")
                    .isBetween(50L, 100L);
            assertThat(result.requests()).as("every measured request, none of the warm-up's").isEqualTo(400);
            assertThat(result.errorCount()).isZero();
            assertThat(server.requests()).as("the skipped ones were never sent")
                    .isEqualTo(200 + 400 - result.warmupSkipped());
            assertThat(result.ttfb().getMaxValue()).as("corrected max (us): the measured part of the stall")
                    .isBetween(150_000L, 600_000L);
            assertThat(result.summary()).contains("warm-up     " + result.warmupSkipped() + " requests skipped");
        }
    }

    @Test
    void closedLoopHidesTheStallInAFewSamples() {
        // 16 connections, 5 ms per request: up to 3200 requests per second; the stall starts about a second in.
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                ScriptedHttpServer.stallOnce(3000, STALL, Duration.ofMillis(5)))) {
            LoadResult result = LoadGenerator.run(LoadSpec.closedLoop(server.uri(), 16, Duration.ofMillis(2500))
                    .withWarmup(Duration.ofMillis(200)));

            Histogram latency = result.ttfb();
            assertThat(result.errorCount()).isZero();
            assertThat(result.requests()).as("thousands of requests, less the stall").isGreaterThan(1500);
            long slow = latency.getTotalCount()
                    - latency.getCountBetweenValues(0, latency.highestEquivalentValue(500_000));
            assertThat(slow).as("one slow sample per connection at most").isBetween(1L, 16L);
            assertThat(slow / (double) latency.getTotalCount()).as("under 1% of the samples").isLessThan(0.01);
            assertThat(latency.getValueAtPercentile(90)).as("p90 (us) looks healthy").isLessThan(100_000);
            assertThat(latency.getMaxValue()).as("only the max shows the stall").isGreaterThan(800_000);
            assertThat(result.serviceTtfb().getTotalCount()).as("closed loop: intended = actual send")
                    .isEqualTo(latency.getTotalCount());
        }
    }
}
