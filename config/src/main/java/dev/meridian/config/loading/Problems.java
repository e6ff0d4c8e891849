package dev.meridian.config.loading;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * Collects every problem found while loading, so that a user fixes a file in one round.
 *
 * <p>Several stages may object to the same value: the schema says {@code 5} is not a string, the
 * binder says it has no unit. Only the most specific stage is kept for each path (see
 * {@link Origin}), so each mistake is reported once, in the words that help most.
 */
final class Problems {

    /** Who found a problem, from least to most specific. */
    public enum Origin {
        /** A generic JSON Schema keyword (type, range, enum, required, unknown key). */
        SCHEMA,
        /** A check in code that knows what the value means (durations, URLs, duplicates). */
        CHECK,
        /** The source text itself (an unset environment variable): nothing else about the value is meaningful. */
        SOURCE
    }

    private record Entry(Origin origin, @Nullable KeyPath subject, Mark mark, String message) {}

    private final List<Entry> entries = new ArrayList<>();

    /**
     * Adds a problem about the value at {@code path}; the message is prefixed with the path.
     */
    public void add(Origin origin, KeyPath path, Mark mark, String detail) {
        entries.add(new Entry(requireNonNull(origin, "origin"), path, mark, prefixed(path, detail)));
    }

    /**
     * Adds a problem that neither hides nor is hidden by problems about the same path: one about
     * a key rather than its value (a duplicate, unknown or missing key).
     */
    public void addIndependent(KeyPath path, Mark mark, String detail) {
        entries.add(new Entry(Origin.SOURCE, null, mark, prefixed(path, detail)));
    }

    /** Adds every problem of {@code other}. */
    public void addAll(Problems other) {
        entries.addAll(other.entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The problems for {@code file}, most specific per path, ordered by position, then message. */
    public List<ConfigProblem> toList(String file) {
        Map<KeyPath, Origin> strongest = new HashMap<>();
        for (Entry e : entries) {
            if (e.subject() != null) {
                strongest.merge(e.subject(), e.origin(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        List<Entry> kept = new ArrayList<>();
        for (Entry e : entries) {
            if (e.subject() == null || strongest.get(e.subject()) == e.origin()) {
                kept.add(e);
            }
        }
        kept.sort(Comparator.comparing(Entry::mark).thenComparing(Entry::message));
        LinkedHashSet<ConfigProblem> unique = new LinkedHashSet<>();
        for (Entry e : kept) {
            unique.add(new ConfigProblem(file, e.mark().line(), e.mark().column(), e.message()));
        }
        return List.copyOf(unique);
    }

    private static String prefixed(KeyPath path, String detail) {
        return path.isRoot() ? detail : path + ": " + detail;
    }
}
