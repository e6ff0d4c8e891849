package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.router.json.JsonLineWriter;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTextTest {

    @Test
    void parsesEveryKindOfValue() {
        Object value = JsonText.parse(
                " {\"s\":\"a\\\"b\\u00e9\\n\",\"n\":-1.5e2,\"i\":0,\"t\":true,\"f\":false,\"z\":null,\"a\":[1,[],{}]} ");

        assertThat(value).isInstanceOf(Map.class);
        Map<?, ?> map = (Map<?, ?>) value;
        assertThat(map.get("s")).isEqualTo("a\"b\u00e9\n");
        assertThat(map.get("n")).isEqualTo(new BigDecimal("-1.5e2"));
        assertThat(map.get("i")).isEqualTo(BigDecimal.ZERO);
        assertThat(map.get("t")).isEqualTo(true);
        assertThat(map.get("f")).isEqualTo(false);
        assertThat(map.containsKey("z")).isTrue();
        assertThat(map.get("z")).isNull();
        assertThat(map.get("a")).isEqualTo(List.of(BigDecimal.ONE, List.of(), Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "{", "}", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "1e", "\"abc", "\"\\x\"", "\"\\u12g4\"",
        "tru", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "{a:1}", "\"tab\there\"", "NaN",
    })
    void rejectsMalformedDocumentsWithAnOffset(String text) {
        assertThatThrownBy(() -> JsonText.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed JSON at offset ");
    }

    @Test
    void rejectsDeepNesting() {
        String deep = "[".repeat(JsonText.MAX_DEPTH + 1) + "]".repeat(JsonText.MAX_DEPTH + 1);

        assertThatThrownBy(() -> JsonText.parse(deep)).hasMessageContaining("nesting deeper than");
        assertThat(JsonText.parse("[".repeat(JsonText.MAX_DEPTH) + "]".repeat(JsonText.MAX_DEPTH))).isNotNull();
    }

    @Test
    void rejectsOversizedDocuments() {
        char[] big = new char[JsonText.MAX_LENGTH + 1];
        Arrays.fill(big, ' ');

        assertThatThrownBy(() -> JsonText.parse(new String(big))).hasMessageContaining("longer than");
    }

    @Test
    void readsBackWhatTheWriterQuoted() {
        String text = "a\"b\\c\nd\u0001e\u2028f\u007f";

        assertThat(JsonText.parse(JsonLineWriter.quoted(text))).isEqualTo(text);
    }
}
