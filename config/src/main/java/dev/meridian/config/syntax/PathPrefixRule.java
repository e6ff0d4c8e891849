package dev.meridian.config.syntax;

import org.jspecify.annotations.Nullable;

/**
 * What a route's path prefix may be: an absolute path without query, fragment or whitespace,
 * compared without trailing slashes.
 */
public final class PathPrefixRule {

    private PathPrefixRule() {}

    /** Why {@code prefix} is not a path prefix, as a phrase following the quoted prefix; {@code null} when it is one. */
    public static @Nullable String problem(String prefix) {
        if (!prefix.startsWith("/")) {
            return "does not start with '/' (expected e.g. /v2/code/completions)";
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c == '?' || c == '#' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "contains " + (c == '?' ? "'?'" : c == '#' ? "'#'" : "whitespace")
                        + " (expected a path without query, fragment or spaces, e.g. /v2/code/completions)";
            }
        }
        return null;
    }

    /**
     * Where the path of a request target (origin form) ends: at the first {@code ?} or {@code #},
     * else at its end. Route matching and the access log both ignore what follows. Allocation-free.
     */
    public static int pathEnd(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return target.length();
    }

    /** {@code /v2/chat/} becomes {@code /v2/chat}; {@code /} stays. */
    public static String normalize(String prefix) {
        int end = prefix.length();
        while (end > 1 && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return prefix.substring(0, end);
    }
}
