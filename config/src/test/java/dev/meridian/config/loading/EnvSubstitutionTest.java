package dev.meridian.config.loading;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static org.assertj.core.api.Assertions.assertThat;

class EnvSubstitutionTest {

    private static final Map<String, String> ENV = Map.of("HOST", "10.0.0.1", "PORT", "5052", "EMPTY", "");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "http://${HOST}:${PORT}/ | http://10.0.0.1:5052/",  // references are replaced anywhere in the text
        "a${EMPTY}b              | ab",                     // an empty variable is set and substitutes nothing
        "$${HOST} is ${HOST}     | ${HOST} is 10.0.0.1",    // a doubled dollar before a brace is a literal
        "cost: $5 and $$         | cost: $5 and $$",        // other dollars are left alone
    })
    void referencesAreReplacedWithoutProblems(String text, String expected) {
        EnvSubstitution.Result r = EnvSubstitution.apply(text, ENV);

        assertThat(r.problems()).isEmpty();
        assertThat(r.text()).isEqualTo(expected);
    }

    @Test
    void everyUnsetVariableIsReportedOnce() {
        assertThat(EnvSubstitution.apply("${A}${B}${A}", ENV).problems()).containsExactly(
                "environment variable A is not set", "environment variable B is not set");
    }

    @Test
    void malformedReferencesAreReported() {
        assertThat(EnvSubstitution.apply("${}", ENV).problems()).containsExactly(
                "'${}' is not a variable reference (expected ${NAME} with letters, digits and _; write $${ for a literal ${)");
        assertThat(EnvSubstitution.apply("${1X}", ENV).problems()).hasSize(1);
        assertThat(EnvSubstitution.apply("${HOST", ENV).problems()).containsExactly(
                "'${' is not closed (expected ${NAME}; write $${ for a literal ${)");
    }

    @Test
    void wholeReferenceIsRecognised() {
        assertThat(EnvSubstitution.wholeReference("${PORT}")).isEqualTo("PORT");
        assertThat(EnvSubstitution.wholeReference("${PORT}x")).isNull();
        assertThat(EnvSubstitution.wholeReference("$${PORT}")).isNull();
        assertThat(EnvSubstitution.wholeReference("${HOST}:${PORT}")).isNull();
    }
}
