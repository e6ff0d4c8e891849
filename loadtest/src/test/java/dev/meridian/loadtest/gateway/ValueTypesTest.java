package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation and behaviour of the public value types and the duration text. */
class ValueTypesTest {

    @Test
    void configDefaultsAreLoopbackEphemeralOneLoopNoLatencyNoFault() {
        GatewayConfig config = GatewayConfig.of("g");

        assertThat(config).isEqualTo(new GatewayConfig("g", "127.0.0.1", 0, 0, 1, LatencyModel.none(), Fault.none()));
        assertThat(config.withPort(8081).withControlPort(9081).withEventLoops(2).withHost("::1").withName("h")
                .withLatency(LatencyModel.fixed(Duration.ofMillis(1))).withFault(Fault.hang()))
                .isEqualTo(new GatewayConfig("h", "::1", 8081, 9081, 2, LatencyModel.fixed(Duration.ofMillis(1)), Fault.hang()));
    }

    @Test
    void configRejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> GatewayConfig.of("a b")).hasMessageStartingWith("name: 'a b'");
        assertThatThrownBy(() -> GatewayConfig.of("g").withPort(70_000)).hasMessageStartingWith("port: 70000");
        assertThatThrownBy(() -> GatewayConfig.of("g").withControlPort(-1)).hasMessageStartingWith("controlPort: -1");
        assertThatThrownBy(() -> GatewayConfig.of("g").withEventLoops(0)).hasMessageStartingWith("eventLoops: 0");
    }

    @Test
    void faultsValidateTheirComponents() {
        assertThatThrownBy(() -> Fault.errors(200, 1.0)).hasMessageStartingWith("status: 200");
        assertThatThrownBy(() -> Fault.errors(503, 1.01)).hasMessageStartingWith("rate: 1.01");
        assertThatThrownBy(() -> Fault.errors(503, Double.NaN)).hasMessageStartingWith("rate: NaN");
        assertThatThrownBy(() -> Fault.slow(Duration.ofMillis(-1))).hasMessageStartingWith("extra: -1ms");
        assertThatThrownBy(() -> Fault.slow(Duration.ofHours(2))).hasMessageStartingWith("extra: 7200s (expected: 0..1h)");
        assertThatThrownBy(() -> Fault.resetMidStream(-1)).hasMessageStartingWith("afterChunks: -1");
        assertThat(Fault.tooManyRequests(Duration.ofSeconds(5))).isEqualTo(new Fault.Errors(429, 1.0, Duration.ofSeconds(5)));
        assertThat(Fault.none()).isEqualTo(new Fault.None());
    }

    @Test
    void latencyModelRejectsAnImpossibleDistribution() {
        assertThatThrownBy(() -> LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(10))).hasMessageStartingWith("p99: 10ms");
        assertThatThrownBy(() -> LatencyModel.of(Duration.ZERO, Duration.ofMillis(10))).hasMessageContaining("positive median");
        assertThatThrownBy(() -> LatencyModel.fixed(Duration.ofMillis(-1))).hasMessageStartingWith("median: -1ms");
    }

    @Test
    void lognormalSamplesHaveTheConfiguredMedianAndP99() {
        LatencyModel model = LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(200));
        RandomGenerator random = new SplittableRandom(42);
        long[] samples = new long[100_000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = model.sampleNanos(random);
        }
        Arrays.sort(samples);

        assertThat(samples[50_000] / 1e6).as("median ms").isBetween(19.0, 21.0);
        assertThat(samples[99_000] / 1e6).as("p99 ms").isBetween(185.0, 215.0);
        assertThat(samples[samples.length - 1]).as("capped at 10 x p99").isLessThanOrEqualTo(2_000_000_000L);
    }

    @Test
    void fixedAndNoneModelsAreConstant() {
        RandomGenerator random = new SplittableRandom(1);

        assertThat(LatencyModel.fixed(Duration.ofMillis(7)).sampleNanos(random)).isEqualTo(7_000_000L);
        assertThat(LatencyModel.none().sampleNanos(random)).isZero();
        assertThat(LatencyModel.none().isNone()).isTrue();
        assertThat(LatencyModel.none().sample()).isZero();
    }

    @ParameterizedTest
    @CsvSource({
        "20ms, 20000000", "1.5s, 1500000000", "200us, 200000", "500ns, 500", "2m, 120000000000",
        "1h, 3600000000000", "0, 0", "PT0.25S, 250000000", " 15 ms , 15000000",
    })
    void durationTextParsesTheUsualSpellings(String text, long nanos) {
        assertThat(DurationText.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "-5ms", "5", "5 parsecs", "1.2.3s", "PT-1S", "99999999999999999999h"})
    void durationTextRejectsTheRest(String text) {
        assertThatThrownBy(() -> DurationText.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @CsvSource({"5000000000, 5s", "200000000, 200ms", "1500000, 1500us", "7, 7ns", "0, 0ms"})
    void durationTextFormatsInTheLargestExactUnit(long nanos, String text) {
        assertThat(DurationText.format(Duration.ofNanos(nanos))).isEqualTo(text);
    }

    @Test
    void statsCopyTheirMapAndAnswerZeroForUnknownPaths() {
        Map<String, Long> byPath = new java.util.HashMap<>(Map.of("/echo", 3L));
        GatewayStats stats = new GatewayStats(1, 0, 3, byPath, 3, 0, 10);
        byPath.put("/echo", 99L);

        assertThat(stats.requestsTo("/echo")).isEqualTo(3);
        assertThat(stats.requestsTo("/nope")).isZero();
        assertThatThrownBy(() -> stats.requestsByPath().put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
    }
}
