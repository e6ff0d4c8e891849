package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import dev.meridian.config.loading.Problems.Origin;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Validates a {@link SourceTree} against the shipped schema and turns each error into a problem
 * at the right line and column, in the words of this project rather than the validator's
 * ({@code "listen.port: 70000 is out of range (expected: 0..65535)"}).
 */
final class SchemaCheck {

    private SchemaCheck() {}

    public static void validate(SourceTree tree, Problems problems) {
        ConfigSchema schema = ConfigSchema.get();
        Map<KeyPath, List<Error>> byPath = new LinkedHashMap<>();
        for (Error error : schema.validator().validate(tree.root())) {
            byPath.computeIfAbsent(path(error.getInstanceLocation()), k -> new ArrayList<>()).add(error);
        }
        for (Map.Entry<KeyPath, List<Error>> entry : byPath.entrySet()) {
            List<Error> errors = entry.getValue();
            // A value of the wrong type makes its other errors noise: report the type only.
            boolean typeError = errors.stream().anyMatch(e -> "type".equals(e.getKeyword()));
            for (Error error : errors) {
                if (!typeError || "type".equals(error.getKeyword())) {
                    report(entry.getKey(), error, tree, schema, problems);
                }
            }
        }
    }

    private static void report(KeyPath path, Error error, SourceTree tree, ConfigSchema schema, Problems problems) {
        List<Object> keywordAt = elements(error.getSchemaLocation().getFragment());
        JsonNode owner = keywordAt.isEmpty() ? null : schema.at(keywordAt.subList(0, keywordAt.size() - 1));
        JsonNode found = error.getInstanceNode();
        boolean secret = owner != null && owner.path("writeOnly").asBoolean(false);
        String shown = found == null ? "the value" : secret ? Values.describeKind(found) : Values.describe(found);
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        switch (keyword) {
            case "additionalProperties", "unevaluatedProperties" -> {
                String key = error.getProperty();
                KeyPath unknown = path.key(key);
                // About the key, not its value: independent of whatever else is said about the value.
                problems.addIndependent(unknown, tree.keyMark(unknown), unknownKey(key, owner));
            }
            case "required" -> {
                KeyPath missing = path.key(error.getProperty());
                problems.addIndependent(missing, tree.valueMark(path), "required key is missing");
            }
            case "type" -> problems.add(Origin.SCHEMA, path, tree.valueMark(path),
                    "expected " + expectedType(error.getSchemaNode()) + ", found " + shown);
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> problems.add(
                    Origin.SCHEMA, path, tree.valueMark(path), shown + " is out of range (expected: " + range(owner) + ")");
            case "enum" -> problems.add(Origin.SCHEMA, path, tree.valueMark(path),
                    shown + " is not allowed (expected one of: " + joined(error.getSchemaNode()) + ")");
            case "minItems" -> {
                int size = found == null ? 0 : found.size();
                int min = error.getSchemaNode().asInt();
                problems.add(Origin.SCHEMA, path, tree.valueMark(path), (size == 0 ? "empty list" : size + " items")
                        + " (expected at least " + min + (min == 1 ? " item" : " items") + ")");
            }
            case "minLength" -> problems.add(Origin.SCHEMA, path, tree.valueMark(path),
                    "empty string (expected at least " + error.getSchemaNode().asInt() + " character(s))");
            case "pattern" -> problems.add(Origin.SCHEMA, path, tree.valueMark(path),
                    shown + " does not match " + error.getSchemaNode().asText());
            default -> problems.add(Origin.SCHEMA, path, tree.valueMark(path),
                    error.getMessage().toLowerCase(Locale.ROOT).startsWith(keyword) ? error.getMessage() : keyword + ": " + error.getMessage());
        }
    }

    /** {@code "unknown key (did you mean 'address'?)"} or {@code "unknown key (expected one of: address, port)"}. */
    static String unknownKey(String key, @Nullable JsonNode owner) {
        List<String> known = new ArrayList<>();
        if (owner != null) {
            owner.path("properties").fieldNames().forEachRemaining(known::add);
        }
        if (known.isEmpty()) {
            return "unknown key";
        }
        String closest = closest(key, known);
        return closest != null
                ? "unknown key (did you mean '" + closest + "'?)"
                : "unknown key (expected one of: " + String.join(", ", known) + ")";
    }

    private static @Nullable String closest(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(key.toLowerCase(Locale.ROOT).replace('_', '-'), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = key.length() <= 3 ? 1 : key.length() <= 7 ? 2 : 3;
        return bestDistance <= allowed ? best : null;
    }

    /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment): "prot" is one edit from "port". */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static String expectedType(JsonNode type) {
        if (type.isArray()) {
            List<String> names = new ArrayList<>();
            type.forEach(t -> names.add(typeName(t.asText())));
            return String.join(" or ", names);
        }
        return typeName(type.asText());
    }

    private static String typeName(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "integer" -> "an integer";
            case "number" -> "a number";
            case "boolean" -> "a boolean (true or false)";
            case "string" -> "a string";
            default -> type;
        };
    }

    private static String range(@Nullable JsonNode owner) {
        if (owner == null) {
            return "a value in range";
        }
        String range = range(owner.get("minimum"), owner.get("exclusiveMinimum"), owner.get("maximum"));
        return range.isEmpty() ? "a value in range" : range;
    }

    /**
     * A schema range in the words of messages and the reference: {@code 0..65535},
     * {@code at least 1}, {@code at most 10}, {@code more than 0, at most 1}; empty without bounds.
     */
    public static String range(@Nullable JsonNode min, @Nullable JsonNode exclusiveMin, @Nullable JsonNode max) {
        if (exclusiveMin != null) {
            return "more than " + exclusiveMin.asText() + (max != null ? ", at most " + max.asText() : "");
        }
        if (min != null && max != null) {
            return min.asText() + ".." + max.asText();
        }
        if (min != null) {
            return "at least " + min.asText();
        }
        return max != null ? "at most " + max.asText() : "";
    }

    private static String joined(JsonNode values) {
        List<String> out = new ArrayList<>();
        for (Iterator<JsonNode> it = values.elements(); it.hasNext(); ) {
            out.add(it.next().asText());
        }
        return String.join(", ", out);
    }

    private static KeyPath path(NodePath nodePath) {
        return new KeyPath(elements(nodePath));
    }

    private static List<Object> elements(NodePath nodePath) {
        List<Object> out = new ArrayList<>(nodePath.getNameCount());
        for (int i = 0; i < nodePath.getNameCount(); i++) {
            Object e = nodePath.getElement(i);
            out.add(e instanceof Integer ? e : String.valueOf(e));
        }
        return out;
    }
}
