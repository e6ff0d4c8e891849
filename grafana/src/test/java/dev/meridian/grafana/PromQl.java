package dev.meridian.grafana;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found by a small tokenizer rather than a full
 * parser: it only has to tell metric names apart from everything else that looks like an
 * identifier.
 *
 * <p>What is not a metric name: string literals ({@code "..."}, {@code '...'}, {@code `...`});
 * label matchers inside {@code {...}} (except {@code __name__="x"}, which names {@code x}); range,
 * subquery and Grafana {@code [[var]]} text inside {@code [...]}; the label list after {@code by},
 * {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right}; a
 * function name (an identifier followed by {@code (}); keywords (aggregations, set operators,
 * {@code bool}, {@code offset}, {@code Inf}, {@code NaN}, case-insensitive as in PromQL); numbers and
 * durations ({@code 0.5}, {@code 1e-3}, {@code 0x1f}, {@code 5m30s}); Grafana variables
 * ({@code $region}, {@code ${datasource}}, {@code $__rate_interval}); comments ({@code # ...}).
 *
 * <pre>{@code
 * PromQl.metricNames("sum by (le) (rate(x_bucket{region=~\"$region\"}[$__rate_interval]))") // [x_bucket]
 * }</pre>
 */
final class PromQl {

    /** Keywords that may be followed by a parenthesised label list, which is not an expression. */
    private static final Set<String> LABEL_LIST_KEYWORDS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    /** Keywords, aggregation operators and literals that read like identifiers. */
    private static final Set<String> KEYWORDS = Set.of(
            "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
            "bottomk", "topk", "quantile", "limitk", "limit_ratio");

    /** {@code __name__="x"} (equality only: a regex or negative matcher names no single metric). */
    private static final Pattern NAME_MATCHER =
            Pattern.compile("__name__\\s*=(?![~=])\\s*([\"'`])([a-zA-Z_:][a-zA-Z0-9_:]*)\\1");

    private static final Pattern TEMPLATE_FUNCTION =
            Pattern.compile("(?s)^\\s*(label_values|label_names|query_result|metrics)\\s*\\((.*)\\)\\s*$");

    private final String text;
    private int pos;

    private PromQl(String text) {
        this.text = text;
    }

    /** The metric names {@code expr} reads, in order of first appearance. */
    static Set<String> metricNames(String expr) {
        return new PromQl(expr).scan();
    }

    /**
     * The metric names a Grafana Prometheus template-variable query reads: {@code label_values(expr,
     * label)} and {@code label_names(expr)} read {@code expr}'s metrics, {@code label_values(label)}
     * and {@code metrics(regex)} none, {@code query_result(expr)} and anything else are PromQL.
     */
    static Set<String> templateQueryMetricNames(String query) {
        Matcher m = TEMPLATE_FUNCTION.matcher(query);
        if (!m.matches()) {
            return metricNames(query);
        }
        String function = m.group(1);
        String args = m.group(2);
        return switch (function) {
            case "metrics" -> Set.of();
            case "label_values" -> {
                int comma = lastTopLevelComma(args);
                yield comma < 0 ? Set.of() : metricNames(args.substring(0, comma));
            }
            default -> metricNames(args);
        };
    }

    /** The index of the last comma outside strings, braces, brackets and parentheses, or -1. */
    static int lastTopLevelComma(String args) {
        int depth = 0;
        int last = -1;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(args, i) - 1;
            } else if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                last = i;
            }
        }
        return last;
    }

    private Set<String> scan() {
        Set<String> names = new LinkedHashSet<>();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (c == '"' || c == '\'' || c == '`') {
                pos = endOfString(text, pos);
            } else if (c == '{') {
                int end = endOfGroup('{', '}');
                Matcher name = NAME_MATCHER.matcher(text.substring(pos, end));
                while (name.find()) {
                    names.add(name.group(2));
                }
                pos = end;
            } else if (c == '[') {
                pos = endOfGroup('[', ']');
            } else if (c == '$') {
                skipVariable();
            } else if (isDigit(c) || (c == '.' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1)))) {
                skipNumber();
            } else if (isIdentifierStart(c)) {
                String identifier = identifier();
                String keyword = identifier.toLowerCase(Locale.ROOT);
                if (LABEL_LIST_KEYWORDS.contains(keyword)) {
                    if (peek() == '(') {
                        pos = endOfGroup('(', ')');
                    }
                } else if (!KEYWORDS.contains(keyword) && peek() != '(') {
                    names.add(identifier);
                }
            } else {
                pos++;
            }
        }
        return names;
    }

    private String identifier() {
        int start = pos;
        pos++;
        while (pos < text.length() && isIdentifierPart(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    /** The next non-blank character (moving past the blanks), or 0 at the end. */
    private char peek() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void skipComment() {
        while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
        }
    }

    /** {@code $name}, {@code $__rate_interval} or {@code ${name}} / {@code ${name:format}}. */
    private void skipVariable() {
        pos++;
        if (pos < text.length() && text.charAt(pos) == '{') {
            int close = text.indexOf('}', pos);
            pos = close < 0 ? text.length() : close + 1;
            return;
        }
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
    }

    /** Numbers and durations: {@code 1}, {@code 0.5}, {@code 1e-3}, {@code 0x1f}, {@code 5m30s}. */
    private void skipNumber() {
        int start = pos;
        boolean hex = text.regionMatches(true, start, "0x", 0, 2);
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                pos++;
            } else if ((c == '+' || c == '-') && !hex && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E')
                    && pos + 1 < text.length() && isDigit(text.charAt(pos + 1))) {
                pos++;
            } else {
                return;
            }
        }
    }

    /** The index just past the group opened at {@code pos}, minding nested groups and strings. */
    private int endOfGroup(char open, char close) {
        int depth = 0;
        for (int i = pos; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(text, i) - 1;
            } else if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
        }
        return text.length();
    }

    /** The index just past the string literal starting at {@code start}; backquoted strings have no escapes. */
    private static int endOfString(String s, int start) {
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quote != '`') {
                i++;
            } else if (c == quote) {
                return i + 1;
            }
        }
        return s.length();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c);
    }
}
