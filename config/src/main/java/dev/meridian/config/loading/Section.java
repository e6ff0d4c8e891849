package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.meridian.config.loading.Problems.Origin;
import dev.meridian.config.syntax.DurationText;
import dev.meridian.config.syntax.InetLiteral;
import dev.meridian.config.syntax.PercentText;
import dev.meridian.config.syntax.QuotedText;
import dev.meridian.config.syntax.SizeText;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One mapping of a schema-checked document and where it sits: the typed reads binding needs,
 * each falling back to its default and reporting a problem at the exact key when the value is
 * wrong. A value of the wrong type is skipped silently: the schema has reported it.
 *
 * @param node the mapping, or a missing node when the document has none here
 * @param path where it sits
 * @param tree the document, for the source positions of problems
 * @param problems where problems are reported
 */
record Section(JsonNode node, KeyPath path, SourceTree tree, Problems problems) {

    private static final String ADDRESS_EXPECTED =
            "expected an IP address literal such as 0.0.0.0, ::, 127.0.0.1; host names are not resolved";

    /** The whole document. */
    static Section root(SourceTree tree, Problems problems) {
        return new Section(tree.root(), KeyPath.ROOT, tree, problems);
    }

    /** A string item of a list, with where it sits. */
    record Text(String value, KeyPath path) {}

    /** The mapping at {@code key}; an empty section when it is absent or not a mapping (the schema reports that). */
    Section section(String key) {
        JsonNode child = node.path(key);
        return new Section(child.isObject() ? child : MissingNode.getInstance(), path.key(key), tree, problems);
    }

    /** Whether the section is in the document as a mapping. */
    boolean isPresent() {
        return node.isObject();
    }

    boolean has(String key) {
        return node.has(key);
    }

    KeyPath path(String key) {
        return path.key(key);
    }

    /** Reports a problem about the value at {@code key} of this section. */
    void report(String key, String message) {
        report(path.key(key), message);
    }

    /** Reports a problem about the value at {@code at}. */
    void report(KeyPath at, String message) {
        problems.add(Origin.CHECK, at, tree.valueMark(at), message);
    }

    /** The value at {@code key} as found, for messages: {@code '5ms'}, {@code 42}, {@code a list}. */
    String describe(String key) {
        return Values.describe(node.path(key));
    }

    // ---- lists ----

    /** Whether the value at {@code key} is a list (absent or another type: the caller's default applies). */
    boolean isList(String key) {
        return node.path(key).isArray();
    }

    /** The mappings in the list at {@code key}, each as a section; other items were reported by the schema. */
    List<Section> items(String key) {
        return list(key, JsonNode::isObject, (item, at) -> new Section(item, at, tree, problems));
    }

    /** The strings in the list at {@code key}, with their paths; other items were reported by the schema. */
    List<Text> texts(String key) {
        return list(key, JsonNode::isTextual, (item, at) -> new Text(item.textValue(), at));
    }

    /** Whether the value at {@code key} is a list without items. */
    boolean isEmptyList(String key) {
        return node.path(key).isArray() && node.path(key).isEmpty();
    }

    private <T> List<T> list(String key, Predicate<JsonNode> kind, BiFunction<JsonNode, KeyPath, T> item) {
        JsonNode list = node.path(key);
        List<T> out = new ArrayList<>();
        for (int i = 0; list.isArray() && i < list.size(); i++) {
            if (kind.test(list.get(i))) {
                out.add(item.apply(list.get(i), path.key(key).index(i)));
            }
        }
        return out;
    }

    // ---- values ----

    /** The string at {@code key}, or {@code null}. */
    @Nullable String text(String key) {
        JsonNode value = node.get(key);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /**
     * The string at {@code at} read by {@code parser}, or {@code null} when absent or refused; a
     * refusal ({@link IllegalArgumentException}) is reported with the parser's message.
     */
    <T> @Nullable T parsed(@Nullable String text, KeyPath at, Function<String, T> parser) {
        if (text == null) {
            return null;
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            report(at, e.getMessage());
            return null;
        }
    }

    /** The string at {@code key} read by {@code parser}, as {@link #parsed(String, KeyPath, Function)}. */
    <T> @Nullable T parsed(String key, Function<String, T> parser) {
        return parsed(text(key), path.key(key), parser);
    }

    /** The number at {@code key}, or {@code null} when absent or not a number. */
    @Nullable Double decimal(String key) {
        JsonNode value = node.get(key);
        return value != null && value.isNumber() ? value.doubleValue() : null;
    }

    /** The whole number at {@code key} as written, or {@code null} when absent or not a whole number. */
    @Nullable String integerText(String key) {
        JsonNode value = node.get(key);
        return value != null && value.isIntegralNumber() ? value.asText() : null;
    }

    /**
     * The string at {@code key} when {@code problemOf} finds nothing wrong with it; otherwise the
     * problem is reported after the quoted value and the result is {@code null}.
     *
     * @param problemOf why a value is wrong, as a phrase following the quoted value, or {@code null}
     */
    @Nullable String checked(String key, Function<String, @Nullable String> problemOf) {
        String text = text(key);
        if (text == null) {
            return null;
        }
        String problem = problemOf.apply(text);
        if (problem != null) {
            report(key, QuotedText.of(text) + " " + problem);
            return null;
        }
        return text;
    }

    int integer(String key, int fallback) {
        JsonNode value = node.get(key);
        return value != null && value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToInt()
                ? value.intValue()
                : fallback;
    }

    /** A whole number in {@code min..max}; anything else was reported by the schema and falls back. */
    long count(String key, long fallback, long min, long max) {
        JsonNode value = node.get(key);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            return fallback;
        }
        long count = value.longValue();
        return count >= min && count <= max ? count : fallback;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode value = node.get(key);
        return value != null && value.isBoolean() ? value.booleanValue() : fallback;
    }

    /** Whether the value at {@code key} is a boolean (YAML 1.1 reads unquoted {@code off} and {@code on} so). */
    boolean isBoolean(String key) {
        return node.path(key).isBoolean();
    }

    /** A percentage ({@code 99.9%}) as a fraction: above 0 % (or 0 % when {@code zeroAllowed}) and below 100 %. */
    double percent(String key, double fallback, boolean zeroAllowed) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual()) {
            report(key, (value.isNumber() ? QuotedText.of(value.asText()) + " has no % sign"
                    : "expected a percentage, found " + Values.describe(value)) + " (expected " + PercentText.EXAMPLES + ")");
            return fallback;
        }
        Double fraction = parsed(key, PercentText::parse);
        if (fraction == null) {
            return fallback;
        }
        if (!((zeroAllowed ? fraction >= 0 : fraction > 0) && fraction < 1)) {
            report(key, QuotedText.of(value.textValue()) + " is out of range (expected: " + (zeroAllowed ? "0%" : "more than 0%")
                    + " and less than 100%)");
            return fallback;
        }
        return fraction;
    }

    /** The constant whose config spelling is the value; an unknown spelling was reported by the schema. */
    <E extends Enum<E>> E choice(String key, E[] values, Function<E, String> spelling, E fallback) {
        String text = text(key);
        for (E e : values) {
            if (spelling.apply(e).equals(text)) {
                return e;
            }
        }
        return fallback;
    }

    /** A number in {@code min..max} (or above {@code min} when {@code exclusiveMin}); NaN and values out of range are reported. */
    double number(String key, double fallback, double min, double max, boolean exclusiveMin) {
        String expected = exclusiveMin ? "more than " + plain(min) + ", at most " + plain(max) : plain(min) + ".." + plain(max);
        return number(key, fallback, min, max, exclusiveMin, expected);
    }

    /** As {@link #number(String, double, double, double, boolean)}, with the range spelled as {@code expected}. */
    double number(String key, double fallback, double min, double max, boolean exclusiveMin, String expected) {
        JsonNode value = node.get(key);
        if (value == null || !value.isNumber()) {
            return fallback; // absent, or the schema reported the type
        }
        double number = value.doubleValue();
        if (!((exclusiveMin ? number > min : number >= min) && number <= max)) { // NaN too
            report(key, Values.describe(value) + " is out of range (expected: " + expected + ")");
            return fallback;
        }
        return number;
    }

    /** {@code 0.5} as 0.5 and {@code 1.0} as 1, as the schema writes bounds. */
    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** An IP address literal (never a name to resolve). */
    String address(String key, String fallback) {
        String text = text(key);
        if (text == null) {
            return fallback;
        }
        if (InetLiteral.parse(text) == null) {
            report(key, QuotedText.of(text) + " is not an IP address (" + ADDRESS_EXPECTED + ")");
            return fallback;
        }
        return text;
    }

    /**
     * A file path, or {@code null} when absent or reported. Relative paths stay relative: whoever
     * opens the file resolves them (the admin server against the configuration file's directory).
     *
     * @param expected what belongs there, for the message about an empty path ({@code "a file"})
     */
    @Nullable Path file(String key, String expected) {
        String text = text(key);
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            report(key, "empty path (expected " + expected + ", or no '" + key + "' key)");
            return null;
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            report(key, QuotedText.of(text) + " is not a valid path (" + e.getReason() + ")");
            return null;
        }
    }

    /** A file path, or {@code null}; see {@link #file(String, String)}. */
    @Nullable Path file(String key) {
        return file(key, "a file");
    }

    Duration duration(String key, Duration fallback, boolean zeroAllowed) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        Duration duration = durationValue(value, key, zeroAllowed);
        return duration != null ? duration : fallback;
    }

    /** A positive duration, or {@code null} when absent (or reported). */
    @Nullable Duration optionalDuration(String key) {
        JsonNode value = node.get(key);
        return value == null ? null : durationValue(value, key, false);
    }

    private @Nullable Duration durationValue(JsonNode value, String key, boolean zeroAllowed) {
        String problem;
        if (value.isTextual()) {
            try {
                Duration d = DurationText.parse(value.textValue());
                if (!d.isZero() || zeroAllowed) {
                    return d;
                }
                problem = QuotedText.of(value.textValue()) + " is zero (expected a positive duration, " + DurationText.EXAMPLES + ")";
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        } else if (value.isIntegralNumber()) {
            problem = value.asText().equals("0") ? DurationText.zeroWithoutUnit() : DurationText.noUnit(value.asText());
        } else {
            problem = "expected a duration (" + DurationText.EXAMPLES + "), found " + Values.describe(value);
        }
        report(key, problem);
        return null;
    }

    /** Reports {@code value} (read from {@code key}) when it is shorter than {@code min}; true when it is not. */
    boolean atLeast(String key, Duration value, Duration min) {
        if (value.compareTo(min) >= 0) {
            return true;
        }
        report(key, describe(key) + " is too short (expected at least " + DurationText.format(min) + ")");
        return false;
    }

    /**
     * Reports a lower bound above its upper bound ({@code base-ejection} and {@code max-ejection}):
     * at the upper bound when it is given, else at the lower one. True when they are in order.
     */
    boolean inOrder(String lowKey, Duration low, String highKey, Duration high) {
        if (high.compareTo(low) >= 0) {
            return true;
        }
        if (has(highKey)) {
            report(highKey, describe(highKey) + " is shorter than " + lowKey + " (expected at least " + DurationText.format(low) + ")");
        } else {
            report(lowKey, describe(lowKey) + " is longer than " + highKey + " (expected at most " + DurationText.format(high)
                    + ", or a longer " + highKey + ")");
        }
        return false;
    }

    long size(String key, long fallback, long min, long max) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        String shown = Values.describe(value);
        long bytes;
        if (value.isTextual()) {
            try {
                bytes = SizeText.parse(value.textValue());
            } catch (IllegalArgumentException e) {
                report(key, e.getMessage());
                return fallback;
            }
        } else if (value.isIntegralNumber() && value.canConvertToLong()) {
            bytes = value.longValue();
        } else if (value.isIntegralNumber()) {
            bytes = Long.MAX_VALUE; // beyond any bound
        } else if (value.isNumber()) {
            report(key, shown + " is not a size (expected " + SizeText.EXPECTED + ")");
            return fallback;
        } else {
            report(key, "expected a size (" + SizeText.EXPECTED + "), found " + shown);
            return fallback;
        }
        if (bytes < min) {
            report(key, shown + " is too small (expected at least " + min + (min == 1 ? " byte)" : " bytes)"));
            return fallback;
        }
        if (bytes > max || (value.isIntegralNumber() && !value.canConvertToLong())) {
            report(key, shown + " is too large (expected at most " + max + " bytes)");
            return fallback;
        }
        return bytes;
    }
}
