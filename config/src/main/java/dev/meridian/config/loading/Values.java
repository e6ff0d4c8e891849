package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.config.syntax.QuotedText;

/**
 * How a value found in the file is shown in a problem message: always on one line, strings
 * quoted, long strings shortened, containers named rather than dumped.
 */
final class Values {

    private Values() {}

    /** A found value: {@code 'abc'}, {@code 42}, {@code true}, {@code an empty value}, {@code a mapping}, {@code a list}. */
    public static String describe(JsonNode node) {
        if (node.isTextual()) {
            return QuotedText.of(node.textValue());
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
        return QuotedText.of(node.asText());
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
