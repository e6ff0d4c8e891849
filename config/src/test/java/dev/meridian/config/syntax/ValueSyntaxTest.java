package dev.meridian.config.syntax;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ValueSyntaxTest {

    /** Each text is the shortest exact one for its duration, so it reads back as it was written. */
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "250ms, PT0.25S",
        "1500ms, PT1.5S",
        "2s, PT2S",
        "90s, PT90S",
        "0s, PT0S",
        "1m, PT1M",
        "10m, PT10M",
        "2h, PT2H",
        "3h, PT3H",
    })
    void durationsAreAnIntegerAndOneUnitAndFormatToTheShortestExactText(String text, Duration duration) {
        assertThat(DurationText.parse(text)).isEqualTo(duration);
        assertThat(DurationText.format(duration)).isEqualTo(text);
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
    void endpointsAreNormalised() {
        assertThat(EndpointUri.parse("http://GW:80/")).isEqualTo(URI.create("http://gw:80"));
        assertThat(EndpointUri.parse("https://gw")).isEqualTo(URI.create("https://gw:443"));
        assertThat(EndpointUri.parse("http://[::1]:5052")).isEqualTo(URI.create("http://[::1]:5052"));
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
        assertThat(NameRule.HEADER_NAME.check("X-Gitlab-Instance-Id")).isEqualTo("X-Gitlab-Instance-Id");
        assertThatIllegalArgumentException().isThrownBy(() -> NameRule.HEADER_NAME.check("stickyHeader", "X Geo"))
                .withMessageStartingWith("stickyHeader: 'X Geo' is not a valid header name (expected an HTTP header name");
    }

    private static final Map<String, Function<String, ?>> SYNTAXES = Map.of(
            "duration", DurationText::parse,
            "size", SizeText::parse,
            "endpoint", EndpointUri::parse,
            "name", NameRule.NAME::check);

    /** Each refusal quotes what was found and says what is expected, on one line. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            duration | 2 s                   | '2 s' is not a duration (expected e.g. 250ms, 2s, 1m)
            duration | 2S                    | '2S' is not a duration (expected e.g. 250ms, 2s, 1m)
            duration | -1s                   | '-1s' is not a duration (expected e.g. 250ms, 2s, 1m)
            duration | 0                     | '0' alone is not a duration (expected a unit, e.g. 250ms, 2s, 1m)
            duration | 15                    | '15' has no unit (expected e.g. 250ms, 2s, 1m)
            duration | 99999999999999999999h | '99999999999999999999h' is too large (expected e.g. 250ms, 2s, 1m)
            duration | 9223372036854775807h  | '9223372036854775807h' is too large (expected e.g. 250ms, 2s, 1m)
            size     | 16MB                  | '16MB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)
            size     | 1.5MiB                | '1.5MiB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)
            size     | 9999999999GiB         | '9999999999GiB' is too large (expected at most 9223372036854775807 bytes)
            endpoint | "http://gw:5052 "     | 'http://gw:5052 ' is not a valid URL (Illegal character in authority at index 7)
            endpoint | 10.1.0.5:5052         | '10.1.0.5:5052' is not a valid URL (Illegal character in scheme name at index 0)
            endpoint | gw:5052               | 'gw:5052' is not an http(s) URL (expected e.g. http://10.1.0.5:5052)
            endpoint | http:gw               | 'http:gw' has no host (expected e.g. http://10.1.0.5:5052)
            endpoint | http://gw:0           | 'http://gw:0' has port 0 (expected: 1..65535)
            endpoint | http://gw:5052#x      | 'http://gw:5052#x' has a fragment (expected no fragment, e.g. http://10.1.0.5:5052)
            name     | -a                    | '-a' is not a valid name (expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)
            name     | a/b                   | 'a/b' is not a valid name (expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)
            name     | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a valid name (expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)
            """)
    void refusalsQuoteTheValueAndSayWhatIsExpected(String syntax, String text, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> SYNTAXES.get(syntax).apply(text)).withMessage(message);
    }

    @Test
    void aRequestTargetsPathEndsBeforeItsQueryOrFragment() {
        assertThat(List.of("/v2/chat", "/v2/chat?stream=true", "/v2/chat#top", "/v2/chat#a?b"))
                .allSatisfy(target -> assertThat(PathPrefixRule.pathEnd(target)).isEqualTo("/v2/chat".length()));
        assertThat(PathPrefixRule.pathEnd("")).isZero();
        assertThat(PathPrefixRule.pathEnd("?x")).isZero();
    }
}
