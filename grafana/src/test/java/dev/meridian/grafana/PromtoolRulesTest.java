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
        assertPromtoolPasses("check", GrafanaContent.ruleFiles(), "rule files in %s/rules");
    }

    @Test
    void theRuleUnitTestsPass() {
        assertPromtoolPasses("test", GrafanaContent.ruleTestFiles(), "rule unit tests in %s/rules/tests");
    }

    /**
     * {@code promtool COMMAND rules FILES...} in the module's directory, bounded by {@link #TIMEOUT},
     * exits 0; {@code files} ({@code what}, a format for the directory) must not be empty.
     */
    private static void assertPromtoolPasses(String command, List<Path> files, String what) {
        assertThat(files).as(what, GrafanaContent.dir()).isNotEmpty();
        ExternalProgram promtool = ExternalProgram.require("promtool", "install Debian's prometheus, which brings promtool too");
        List<String> args = new ArrayList<>(List.of(command, "rules"));
        files.forEach(f -> args.add(GrafanaContent.name(f)));

        ExternalProgram.Result result = promtool.run(GrafanaContent.dir(), TIMEOUT, args);

        assertThat(result.exitCode()).withFailMessage(result::describe).isZero();
    }
}
