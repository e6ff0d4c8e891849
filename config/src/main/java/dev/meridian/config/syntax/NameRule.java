package dev.meridian.config.syntax;

import java.util.regex.Pattern;

/**
 * Names of regions, routes and admin tokens. They become metric label values, header values and
 * admin URL path segments, so they are restricted to what is safe in all three.
 */
public final class NameRule {

    /** The same pattern as {@code $defs/name} in the schema. */
    public static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** What a valid name looks like, for messages. */
    public static final String EXPECTED =
            "lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters";

    private NameRule() {}

    /**
     * Checks a name.
     *
     * @throws IllegalArgumentException {@code "'US_East' is not a valid name (expected ...)"}
     */
    public static String check(String name) {
        if (!PATTERN.matcher(name).matches()) {
            throw new IllegalArgumentException(QuotedText.of(name) + " is not a valid name (expected " + EXPECTED + ")");
        }
        return name;
    }
}
