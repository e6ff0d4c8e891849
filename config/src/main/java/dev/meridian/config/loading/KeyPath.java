package dev.meridian.config.loading;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import static java.util.Objects.requireNonNull;

/**
 * Where a value sits in the document: a list of keys ({@link String}) and indexes
 * ({@link Integer}). Shown the way users write it in messages: {@code regions[1].endpoints[0]}.
 */
record KeyPath(List<Object> elements) {

    /** The document itself. */
    public static final KeyPath ROOT = new KeyPath(List.of());

    public KeyPath {
        requireNonNull(elements, "elements");
        for (Object e : elements) {
            if (!(e instanceof String) && !(e instanceof Integer)) {
                throw new IllegalArgumentException("elements: " + e + " (expected: String keys and Integer indexes)");
            }
        }
        elements = List.copyOf(elements);
    }

    /** A path from keys and indexes, e.g. {@code of("regions", 1, "name")}. */
    public static KeyPath of(Object... elements) {
        return new KeyPath(List.of(elements));
    }

    public KeyPath key(String key) {
        return append(key);
    }

    public KeyPath index(int index) {
        return append(index);
    }

    private KeyPath append(Object element) {
        List<Object> longer = new ArrayList<>(elements.size() + 1);
        longer.addAll(elements);
        longer.add(element);
        return new KeyPath(Collections.unmodifiableList(longer));
    }

    public boolean isRoot() {
        return elements.isEmpty();
    }

    /** The enclosing path; the root is its own parent. */
    public KeyPath parent() {
        return isRoot() ? this : new KeyPath(elements.subList(0, elements.size() - 1));
    }

    /** {@code regions[1].endpoints[0]}; the root is the empty string. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Object e : elements) {
            if (e instanceof Integer) {
                out.append('[').append(e).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(e);
            }
        }
        return out.toString();
    }
}
