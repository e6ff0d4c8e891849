package dev.meridian.router.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLineWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String text(JsonLineWriter writer) {
        return new String(writer.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void eachObjectIsOneLineAndLinesFollowEachOther() throws Exception {
        JsonLineWriter writer = new JsonLineWriter();
        writer.begin().string("a", "x").number("n", -7).end();
        writer.begin().string("a", null).tenths("ms", 412).tenths("none", -1).end();

        assertThat(text(writer)).isEqualTo("{\"a\":\"x\",\"n\":-7}\n{\"a\":null,\"ms\":41.2,\"none\":null}\n");
        assertThat(writer.size()).isEqualTo(writer.toByteArray().length);
    }

    @Test
    void copyToHandsOverExactlyTheBufferedLines() {
        JsonLineWriter writer = new JsonLineWriter();
        writer.begin().string("a", "x").end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.copyTo(out::write);
        assertThat(out.toByteArray()).isEqualTo(writer.toByteArray()).hasSize(writer.size());
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"x\"}\n");
    }

    @Test
    void tenthsNeverUseAnExponent() {
        JsonLineWriter writer = new JsonLineWriter();
        writer.begin().tenths("zero", 0).tenths("big", 123_456_789_012L).end();

        assertThat(text(writer)).isEqualTo("{\"zero\":0.0,\"big\":12345678901.2}\n");
    }

    @Test
    void stringsAreEscapedAsJsonRequiresAndReadBack() throws Exception {
        String nasty = "q\"b\\s/\n\r\t\b\f\u0001\u001f é ☃ \uD83D\uDE00 \u2028";
        JsonLineWriter writer = new JsonLineWriter();
        writer.begin().string("v", nasty).end();

        String line = text(writer);
        assertThat(line).as("one line: control characters are escaped").containsOnlyOnce("\n").endsWith("}\n");
        assertThat(line).contains("\\\"", "\\\\", "\\n", "\\r", "\\t", "\\u0001", "\\u001F");
        assertThat(JSON.readTree(line).get("v").asText()).isEqualTo(nasty);
    }

    @Test
    void quotedLiteralsEscapeLikeTheLines() throws Exception {
        String nasty = "q\"b\\\n\u0001 é";

        assertThat(JsonLineWriter.quoted(nasty)).isEqualTo("\"q\\\"b\\\\\\n\\u0001 é\"");
        assertThat(JsonLineWriter.appendQuoted(new StringBuilder("x="), "y")).hasToString("x=\"y\"");
        assertThat(JSON.readTree(JsonLineWriter.quoted(nasty)).asText()).isEqualTo(nasty);
    }

    @Test
    void resetEmptiesTheBufferForTheNextBatch() throws Exception {
        JsonLineWriter writer = new JsonLineWriter();
        writer.begin().number("n", 1).end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeTo(out);
        writer.reset();
        writer.begin().number("n", 2).end();
        writer.writeTo(out);

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}\n{\"n\":2}\n");
        assertThat(writer.size()).isEqualTo(8);
    }
}
