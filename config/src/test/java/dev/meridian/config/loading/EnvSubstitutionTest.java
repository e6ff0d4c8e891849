package dev.meridian.config.loading;

import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class EnvSubstitutionTest {

    private static final Map<String, String> ENV = Map.of("HOST", "10.0.0.1", "PORT", "5052", "EMPTY", "");

    @Test
    void referencesAreReplacedAnywhereInTheText() {
        EnvSubstitution.Result r = EnvSubstitution.apply("http://${HOST}:${PORT}/", ENV);

        assertThat(r.problems()).isEmpty();
        assertThat(r.text()).isEqualTo("http://10.0.0.1:5052/");
    }

    @Test
    void doubleDollarBraceIsALiteral() {
        assertThat(EnvSubstitution.apply("$${HOST} is ${HOST}", ENV).text()).isEqualTo("${HOST} is 10.0.0.1");
        assertThat(EnvSubstitution.apply("cost: $5 and $$", ENV).text()).as("other dollars are left alone").isEqualTo("cost: $5 and $$");
    }

    @Test
    void emptyVariableIsSetAndSubstitutesNothing() {
        EnvSubstitution.Result r = EnvSubstitution.apply("a${EMPTY}b", ENV);

        assertThat(r.problems()).isEmpty();
        assertThat(r.text()).isEqualTo("ab");
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
