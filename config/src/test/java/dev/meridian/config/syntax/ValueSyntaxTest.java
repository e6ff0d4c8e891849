package dev.meridian.config.syntax;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ValueSyntaxTest {

    @Test
    void durationsAreAnIntegerAndOneUnit() {
        assertThat(DurationText.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationText.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationText.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(DurationText.parse("3h")).isEqualTo(Duration.ofHours(3));
        assertThat(DurationText.parse("0s")).isZero();
    }

    @Test
    void durationsRefuseEverythingElseAndSayWhatIsExpected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("2 s"))
                .withMessage("'2 s' is not a duration (expected e.g. 250ms, 2s, 1m)");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("2S")).withMessageContaining("is not a duration");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("-1s")).withMessageContaining("is not a duration");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("0"))
                .withMessage("'0' alone is not a duration (expected a unit, e.g. 250ms, 2s, 1m)");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("15"))
                .withMessage("'15' has no unit (expected e.g. 250ms, 2s, 1m)");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("99999999999999999999h"))
                .withMessage("'99999999999999999999h' is too large (expected e.g. 250ms, 2s, 1m)");
        assertThatIllegalArgumentException().isThrownBy(() -> DurationText.parse("9223372036854775807h"))
                .withMessageContaining("is too large");
    }

    @Test
    void durationsFormatToTheShortestExactText() {
        assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(DurationText.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(DurationText.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(DurationText.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(DurationText.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void sizesAreBytesOrBinaryUnits() {
        assertThat(SizeText.parse("8192")).isEqualTo(8192);
        assertThat(SizeText.parse("8KiB")).isEqualTo(8192);
        assertThat(SizeText.parse("16MiB")).isEqualTo(16L << 20);
        assertThat(SizeText.parse("2GiB")).isEqualTo(2L << 30);
        assertThat(SizeText.format(16L << 20)).isEqualTo("16MiB");
        assertThat(SizeText.format(1000)).isEqualTo("1000");
    }

    @Test
    void sizesRefuseDecimalUnitsAndOverflow() {
        assertThatIllegalArgumentException().isThrownBy(() -> SizeText.parse("16MB"))
                .withMessage("'16MB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)");
        assertThatIllegalArgumentException().isThrownBy(() -> SizeText.parse("1.5MiB")).withMessageContaining("is not a size");
        assertThatIllegalArgumentException().isThrownBy(() -> SizeText.parse("9999999999GiB"))
                .withMessage("'9999999999GiB' is too large (expected at most 9223372036854775807 bytes)");
    }

    @Test
    void endpointsAreNormalised() {
        assertThat(EndpointUri.parse("http://GW:80/")).isEqualTo(URI.create("http://gw:80"));
        assertThat(EndpointUri.parse("https://gw")).isEqualTo(URI.create("https://gw:443"));
        assertThat(EndpointUri.parse("http://[::1]:5052")).isEqualTo(URI.create("http://[::1]:5052"));
    }

    @Test
    void endpointProblemsAreOneLine() {
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("http://gw:5052 "))
                .withMessage("'http://gw:5052 ' is not a valid URL (Illegal character in authority at index 7)");
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("10.1.0.5:5052"))
                .withMessage("'10.1.0.5:5052' is not a valid URL (Illegal character in scheme name at index 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("gw:5052"))
                .withMessage("'gw:5052' is not an http(s) URL (expected e.g. http://10.1.0.5:5052)");
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("http:gw"))
                .withMessage("'http:gw' has no host (expected e.g. http://10.1.0.5:5052)");
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("http://gw:0"))
                .withMessage("'http://gw:0' has port 0 (expected: 1..65535)");
        assertThatIllegalArgumentException().isThrownBy(() -> EndpointUri.parse("http://gw:5052#x"))
                .withMessage("'http://gw:5052#x' has a fragment (expected no fragment, e.g. http://10.1.0.5:5052)");
    }

    @Test
    void foundValuesAreShownOnOneLineAndShortened() {
        assertThat(QuotedText.of("a\nb\tc")).isEqualTo("'a\\nb\\tc'");
        assertThat(QuotedText.of("x".repeat(200))).hasSize(85).endsWith("...'");
    }

    @Test
    void namesAreSafeAsLabelsHeadersAndPathSegments() {
        assertThat(NameRule.NAME.check("us-east4")).isEqualTo("us-east4");
        assertThat(NameRule.NAME.check("0a")).isEqualTo("0a");
        assertThatIllegalArgumentException().isThrownBy(() -> NameRule.NAME.check("-a")).withMessageContaining("is not a valid name");
        assertThatIllegalArgumentException().isThrownBy(() -> NameRule.NAME.check("a".repeat(64))).withMessageContaining("at most 63");
        assertThatIllegalArgumentException().isThrownBy(() -> NameRule.NAME.check("a/b")).withMessageContaining("is not a valid name");
    }
}
