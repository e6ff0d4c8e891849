package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimHeaders;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.ScriptedHttpServer.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Streamed responses are timed to the head and to the end, not aggregated. */
class StreamingTimingTest {

    @Test
    void chunksFiftyMillisecondsApartGiveAnEarlyFirstByteAndALateLastByte() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((n, at) -> Reply.chunked(5, Duration.ofMillis(50)))) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 20, Duration.ofSeconds(1))
                    .withConnections(16));

            assertThat(result.requests()).isEqualTo(20);
            assertThat(result.ttfb().getValueAtPercentile(99)).as("head arrives at once (us)").isLessThan(25_000);
            assertThat(result.total().getMinValue()).as("5 chunks x 50 ms (us)").isGreaterThanOrEqualTo(250_000);
            assertThat(result.total().getValueAtPercentile(50)).isLessThan(320_000);
            assertThat(result.bytesReceived()).as("every chunk counted").isEqualTo(20L * 5 * "data: 1\n\n".length());
        }
    }

    @Test
    void simulatedGatewaySuggestionStreamIsTimedEventByEvent() {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("stream"))) {
            RequestMix suggestions = RequestMix.single("POST", "/v4/code/suggestions",
                    Map.of("Content-Type", "application/json", SimHeaders.CHUNKS, "5", SimHeaders.CHUNK_INTERVAL, "50ms"),
                    "{\"prompt\": \"def f\"}");
            LoadResult result = LoadGenerator.run(LoadSpec.closedLoop(gateway.baseUri(), 4, Duration.ofSeconds(1))
                    .withMix(suggestions));

            assertThat(result.requests()).as("4 streams at a time, each >= 250 ms").isBetween(8L, 16L);
            assertThat(result.errorCount()).isZero();
            assertThat(result.ttfb().getValueAtPercentile(50)).isLessThan(25_000);
            assertThat(result.total().getMinValue()).isGreaterThanOrEqualTo(250_000);
        }
    }
}
