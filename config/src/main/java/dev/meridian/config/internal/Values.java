package dev.meridian.config.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a value found in the file is shown in a problem message: always on one line, strings
 * quoted, long strings shortened, containers named rather than dumped.
 */
public final class Values {

    private static final int MAX_SHOWN = 80;

    private Values() {}

    /** {@code 'text'}, with control characters escaped and anything past 80 characters elided. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 4).append('\'');
        for (int i = 0; i < text.length(); i++) {
            if (out.length() > MAX_SHOWN) {
                out.append("...");
                break;
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }

    /** A found value: {@code 'abc'}, {@code 42}, {@code true}, {@code an empty value}, {@code a mapping}, {@code a list}. */
    public static String describe(JsonNode node) {
        if (node.isTextual()) {
            return quote(node.textValue());
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        if (node.isNull() || node.isMissingNode()) {
            return "an empty value";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return quote(node.asText());
    }

    /** A found value whose content must not be printed (a secret): only its kind. */
    public static String describeKind(JsonNode node) {
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isIntegralNumber()) {
            return "an integer";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        return describe(node);
    }
}
