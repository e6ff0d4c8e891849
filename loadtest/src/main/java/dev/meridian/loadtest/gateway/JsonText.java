package dev.meridian.loadtest.gateway;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the small JSON documents of the control port and the echo endpoint (they are written
 * with {@link dev.meridian.router.json.JsonLineWriter}'s escaping).
 *
 * <p>The reader is a strict RFC 8259 recursive-descent parser: objects become {@link LinkedHashMap}s,
 * arrays {@link List}s, numbers {@link BigDecimal}s, {@code null} Java null. It rejects trailing
 * content, duplicate keys, nesting deeper than {@value #MAX_DEPTH} and documents longer than
 * {@value #MAX_LENGTH} characters, with messages that give the offset.
 */
final class JsonText {

    static final int MAX_DEPTH = 32;
    static final int MAX_LENGTH = 1 << 20;

    private final String text;
    private int pos;

    private JsonText(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value.
     *
     * @throws IllegalArgumentException on malformed input, naming the offset
     */
    static @Nullable Object parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("JSON document longer than " + MAX_LENGTH + " characters");
        }
        JsonText reader = new JsonText(text);
        reader.skipWhitespace();
        Object value = reader.value(0);
        reader.skipWhitespace();
        if (reader.pos != text.length()) {
            throw reader.error("unexpected content after the JSON value");
        }
        return value;
    }

    /** Parses a document that must be a JSON object. */
    @SuppressWarnings("unchecked") // parse() builds objects only as LinkedHashMap<String, Object>
    static Map<String, @Nullable Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return (Map<String, @Nullable Object>) value;
    }

    private @Nullable Object value(int depth) {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, @Nullable Object> object(int depth) {
        checkDepth(depth);
        Map<String, @Nullable Object> members = new LinkedHashMap<>();
        commaSeparated('}', () -> {
            if (peek() != '"') {
                throw error("expected a member name in double quotes");
            }
            int keyAt = pos;
            String key = string();
            if (members.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate member '" + key + "'");
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            members.put(key, value(depth));
        });
        return members;
    }

    private List<@Nullable Object> array(int depth) {
        checkDepth(depth);
        List<@Nullable Object> elements = new ArrayList<>();
        commaSeparated(']', () -> elements.add(value(depth)));
        return elements;
    }

    /**
     * From an opening bracket to its {@code close}, both consumed: nothing, or members or elements
     * separated by commas, each read by {@code readOne} (which starts at its first character).
     */
    private void commaSeparated(char close, Runnable readOne) {
        pos++; // the opening bracket
        skipWhitespace();
        if (peek() == close) {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            readOne.run();
            skipWhitespace();
            char next = peek();
            if (next != ',' && next != close) {
                throw error("expected ',' or '" + close + "'");
            }
            pos++;
            if (next == close) {
                return;
            }
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> out.append('"');
                case '\\' -> out.append('\\');
                case '/' -> out.append('/');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(text.charAt(pos++), 16);
                        if (digit < 0) {
                            pos--;
                            throw error("bad hex digit in \\u escape");
                        }
                        code = code * 16 + digit;
                    }
                    out.append((char) code);
                }
                default -> {
                    pos--;
                    throw error("bad escape '\\" + e + "'");
                }
            }
        }
    }

    private BigDecimal number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("expected a digit");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after '.'");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent");
            }
            digits();
        }
        try {
            return new BigDecimal(text.substring(start, pos));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("number out of range");
        }
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private @Nullable Object literal(String word, @Nullable Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected token");
        }
        pos += word.length();
        return value;
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    /** The current character, or NUL at the end (never valid where a token is expected). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
    }
}
