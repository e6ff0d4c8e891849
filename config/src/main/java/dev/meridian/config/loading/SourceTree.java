package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import static java.util.Objects.requireNonNull;

/**
 * A parsed document and where each of its keys and values came from, so that every later stage
 * (schema validation, binding) can point at the exact line and column.
 *
 * @param root the top-level mapping, after environment substitution
 * @param valueMarks where each value starts, by path
 * @param keyMarks where each mapping key starts, by the path of its value
 */
record SourceTree(JsonNode root, Map<KeyPath, Mark> valueMarks, Map<KeyPath, Mark> keyMarks) {

    public SourceTree {
        requireNonNull(root, "root");
        valueMarks = Map.copyOf(requireNonNull(valueMarks, "valueMarks"));
        keyMarks = Map.copyOf(requireNonNull(keyMarks, "keyMarks"));
    }

    /** Where the value at {@code path} starts; for a missing value, where its nearest present ancestor starts. */
    public Mark valueMark(KeyPath path) {
        KeyPath p = path;
        while (true) {
            Mark m = valueMarks.get(p);
            if (m != null) {
                return m;
            }
            if (p.isRoot()) {
                return Mark.UNKNOWN;
            }
            p = p.parent();
        }
    }

    /** Where the key of the value at {@code path} starts; the value's position for list items. */
    public Mark keyMark(KeyPath path) {
        Mark m = keyMarks.get(path);
        return m != null ? m : valueMark(path);
    }
}
