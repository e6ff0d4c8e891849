package dev.meridian.config.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.meridian.config.ControllerMode;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.SloControllerConfig;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code slo-controller}: bound with its defaults, and refused where written when wrong. */
class SloControllerConfigTest {

    private static final String REGIONS = "regions: [{name: a, endpoints: [\"http://127.0.0.1:1\"]}]\n";

    private static MeridianConfig parse(String yaml) {
        return ConfigLoader.create().parse(yaml + REGIONS, "m.yaml");
    }

    @Test
    void withoutASectionTheControllerAdvisesWithTheFastBurnDefaults() {
        SloControllerConfig controller = parse("").sloController();

        assertThat(controller).isEqualTo(SloControllerConfig.ofDefaults());
        assertThat(controller.mode()).isEqualTo(ControllerMode.ADVISE);
        assertThat(controller.shortWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(controller.longWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(controller.availability()).isEqualTo(0.999);
        assertThat(controller.apdex()).isEqualTo(0.995);
        assertThat(controller.burnThreshold()).isEqualTo(14.4);
        assertThat(controller.step()).isEqualTo(0.5);
        assertThat(controller.floor()).isEqualTo(0.1);
    }

    @Test
    void everyKeyIsBoundAndWindowsMayBeSeconds() {
        SloControllerConfig controller = parse("""
                slo-controller:
                  mode: act
                  windows: {short: 2s, long: 6s}
                  objectives: {availability: 99%, apdex: 95.5%}
                  burn-threshold: 2
                  step: 25%
                  floor: 0%
                  cool-down: 3s
                  interval: 200ms
                  min-attempts: 5
                """).sloController();

        assertThat(controller).isEqualTo(new SloControllerConfig(ControllerMode.ACT, Duration.ofSeconds(2), Duration.ofSeconds(6),
                0.99, 0.955, 2, 0.25, 0, Duration.ofSeconds(3), Duration.ofMillis(200), 5));
    }

    @Test
    void offMayBeWrittenUnquotedThoughYamlReadsItAsFalse() {
        assertThat(parse("slo-controller: {mode: off}\n").sloController().mode()).isEqualTo(ControllerMode.OFF);
        assertThat(parse("slo-controller: {mode: \"off\"}\n").sloController().mode()).isEqualTo(ControllerMode.OFF);
        assertThatThrownBy(() -> parse("slo-controller: {mode: on}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("slo-controller.mode");
    }

    @Test
    void badValuesAreReportedWhereTheyAreWritten() {
        assertThatThrownBy(() -> parse("""
                slo-controller:
                  mode: on
                  objectives: {availability: 100%, apdex: 0.995}
                  step: half
                  floor: 100%
                  burn-threshold: 0.5
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:2:9: slo-controller.mode")
                .hasMessageContaining("m.yaml:3:30: slo-controller.objectives.availability: '100%' is out of range "
                        + "(expected: more than 0% and less than 100%)")
                .hasMessageContaining("slo-controller.objectives.apdex: '0.995' has no % sign (expected e.g. 99.9%, 50%)")
                .hasMessageContaining("slo-controller.step")
                .hasMessageContaining("m.yaml:5:10: slo-controller.floor: '100%' is out of range")
                .hasMessageContaining("slo-controller.burn-threshold");
    }

    static Stream<Arguments> timingsThatDoNotFit() {
        return Stream.of(
                arguments("{windows: {short: 10m, long: 5m}}",
                        "m.yaml:1:46: slo-controller.windows.long: windows.long (5m) is not longer than windows.short (10m)"),
                arguments("{windows: {short: 5s}, interval: 10s}",
                        "slo-controller.windows.short: windows.short (5s) is shorter than interval (10s)"),
                arguments("{interval: 10ms}", "slo-controller.interval: '10ms' is too short (expected at least 100ms)"),
                arguments("{windows: {long: 25h}}", "slo-controller.windows.long: '25h' is too long (expected at most 24h)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timingsThatDoNotFit")
    void windowsAndIntervalMustMakeSenseTogether(String section, String problem) {
        assertThatThrownBy(() -> parse("slo-controller: " + section + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void recordsCheckWhatTheBinderChecks() {
        SloControllerConfig d = SloControllerConfig.ofDefaults();
        Duration s = Duration.ofSeconds(1);
        assertThatIllegalArgumentException().isThrownBy(() -> d.withTiming(s, s, s, s)).withMessageStartingWith("longWindow");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withTiming(s, s.multipliedBy(2), s, s.multipliedBy(2)))
                .withMessageStartingWith("shortWindow");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withTiming(s, s.multipliedBy(2), s, Duration.ofMillis(10)))
                .withMessageStartingWith("interval");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withMinAttempts(0)).withMessageStartingWith("minAttempts");
        assertThatIllegalArgumentException().isThrownBy(() -> new SloControllerConfig(ControllerMode.ACT, s, s.multipliedBy(2),
                1.0, 0.9, 14.4, 0.5, 0.1, s, s, 1)).withMessageStartingWith("availability");
        assertThat(ControllerMode.values()).extracting(ControllerMode::configName).containsExactly("off", "advise", "act");
    }
}
