package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class YamlSourceReaderTest {

    private static SourceTree read(String yaml, Map<String, String> env) {
        Problems problems = new Problems();
        SourceTree tree = YamlSourceReader.read(yaml, env, problems);
        assertThat(problems.toList("t.yaml")).isEmpty();
        assertThat(tree).isNotNull();
        return tree;
    }

    @Test
    void everyKeyAndValueKeepsItsPosition() {
        SourceTree tree = read("""
                listen:
                  port: 8080
                regions:
                  - name: a
                    endpoints: ["http://a:1", "http://b:2"]
                """, Map.of());

        assertThat(tree.keyMark(KeyPath.of("listen", "port"))).isEqualTo(new Mark(2, 3));
        assertThat(tree.valueMark(KeyPath.of("listen", "port"))).isEqualTo(new Mark(2, 9));
        assertThat(tree.valueMark(KeyPath.of("regions", 0, "name"))).isEqualTo(new Mark(4, 11));
        assertThat(tree.valueMark(KeyPath.of("regions", 0, "endpoints", 1))).isEqualTo(new Mark(5, 31));
        assertThat(tree.valueMark(KeyPath.of("regions", 0, "weight"))).as("a missing key points at its mapping")
                .isEqualTo(tree.valueMark(KeyPath.of("regions", 0)));
    }

    @Test
    void plainWholeReferenceIsRetypedButQuotedAndBlockScalarsAreNot() {
        Map<String, String> env = Map.of("N", "42", "B", "true", "F", "2.5", "S", "text", "NUL", "~", "E", "");
        SourceTree tree = read("""
                n: ${N}
                b: ${B}
                f: ${F}
                s: ${S}
                nul: ${NUL}
                e: ${E}
                quoted: "${N}"
                single: '${N}'
                block: |-
                  ${N}
                anchored: &a ${N}
                tagged: !!str ${N}
                mixed: ${N}${N}
                """, env);
        JsonNode root = tree.root();

        assertThat(root.get("n").isInt()).isTrue();
        assertThat(root.get("n").intValue()).isEqualTo(42);
        assertThat(root.get("b").isBoolean()).isTrue();
        assertThat(root.get("f").isDouble()).isTrue();
        assertThat(root.get("s").textValue()).isEqualTo("text");
        assertThat(root.get("nul").isNull()).isTrue();
        assertThat(root.get("e").isNull()).as("an empty plain scalar is null in YAML").isTrue();
        assertThat(root.get("quoted").textValue()).isEqualTo("42");
        assertThat(root.get("single").textValue()).isEqualTo("42");
        assertThat(root.get("block").textValue()).isEqualTo("42");
        assertThat(root.get("anchored").isInt()).isTrue();
        assertThat(root.get("tagged").textValue()).isEqualTo("42");
        assertThat(root.get("mixed").textValue()).isEqualTo("4242");
    }

    @Test
    void substitutedTextThatLooksLikeStructureStaysAString() {
        SourceTree tree = read("a: ${X}\nb: ${Y}\n", Map.of("X", "{k: v}", "Y", "- item"));

        assertThat(tree.root().get("a").textValue()).isEqualTo("{k: v}");
        assertThat(tree.root().get("b").textValue()).isEqualTo("- item");
    }

    @Test
    void windowsLineEndingsKeepPositionsAndTyping() {
        SourceTree tree = read("a: 1\r\nport: ${P}\r\n", Map.of("P", "9"));

        assertThat(tree.root().get("port").intValue()).isEqualTo(9);
        assertThat(tree.valueMark(KeyPath.of("port"))).isEqualTo(new Mark(2, 7));
    }

    @Test
    void columnsCountCharactersNotBytes() {
        SourceTree tree = read("\"👋👋\": ${P}\nx: [\"👋\", 1]\n", Map.of("P", "9"));

        assertThat(tree.root().get("👋👋").isInt()).as("the reference is found behind astral characters").isTrue();
        assertThat(tree.valueMark(KeyPath.of("👋👋"))).isEqualTo(new Mark(1, 7));
        assertThat(tree.valueMark(KeyPath.of("x", 1))).isEqualTo(new Mark(2, 10));
    }
}
