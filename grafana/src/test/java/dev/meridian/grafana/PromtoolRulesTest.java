package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.testing.ExternalProgram;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * promtool, the rules' own compiler and test runner: every rule file parses and type-checks
 * ({@code promtool check rules}), and the rule unit tests in {@code rules/tests/} pass
 * ({@code promtool test rules}). Skipped without promtool on a developer's machine; fails under
 * {@code CI=true}.
 */
class PromtoolRulesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void promtoolAcceptsEveryRuleFile() {
        List<Path> files = GrafanaContent.ruleFiles();
        assertThat(files).as("rule files in %s/rules", GrafanaContent.dir()).isNotEmpty();

        ExternalProgram.Result result = promtool("check", files);

        assertThat(result.exitCode()).withFailMessage(result::describe).isZero();
    }

    @Test
    void theRuleUnitTestsPass() {
        List<Path> tests = GrafanaContent.ruleTestFiles();
        assertThat(tests).as("rule unit tests in %s/rules/tests", GrafanaContent.dir()).isNotEmpty();

        ExternalProgram.Result result = promtool("test", tests);

        assertThat(result.exitCode()).withFailMessage(result::describe).isZero();
    }

    /** {@code promtool COMMAND rules FILES...} in the module's directory, bounded by {@link #TIMEOUT}. */
    private static ExternalProgram.Result promtool(String command, List<Path> files) {
        ExternalProgram promtool = ExternalProgram.require("promtool", "install Debian's prometheus, which brings promtool too");
        List<String> args = new ArrayList<>(List.of(command, "rules"));
        files.forEach(f -> args.add(GrafanaContent.name(f)));
        return promtool.run(GrafanaContent.dir(), TIMEOUT, args);
    }
}
