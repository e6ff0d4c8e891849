package dev.meridian.config.syntax;

import java.util.regex.Pattern;

/**
 * The rules for names given in the configuration: one pattern each, the same as in the schema,
 * and one message shape for every refusal.
 *
 * <pre>{@code
 * NameRule.NAME.check("us-east4");                       // returns "us-east4"
 * NameRule.HEADER_NAME.check("stickyHeader", "X Geo");   // throws "stickyHeader: 'X Geo' is not a valid header name (...)"
 * }</pre>
 */
public final class NameRule {

    /**
     * Names of regions, routes and admin tokens. They become metric label values, header values
     * and admin URL path segments, so they are restricted to what is safe in all three
     * ({@code $defs/name} in the schema).
     */
    public static final NameRule NAME = new NameRule("name", "[a-z0-9][a-z0-9-]{0,62}",
            "lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters");

    /**
     * HTTP header names ({@code geo.location-headers}, {@code routes[].sticky-header}): a
     * {@code token} as in RFC 9110, sections 5.1 and 5.6.2 ({@code $defs/header-name} in the
     * schema). Anything else could never match a received header, so it is a typo worth refusing.
     * Names are returned as given: they are compared case-insensitively.
     */
    public static final NameRule HEADER_NAME = new NameRule("header name", "[!#$%&'*+.^_`|~0-9A-Za-z-]+",
            "an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, e.g. X-Gitlab-Instance-Id");

    private final String what;
    private final Pattern pattern;
    private final String expected;

    private NameRule(String what, String pattern, String expected) {
        this.what = what;
        this.pattern = Pattern.compile(pattern);
        this.expected = expected;
    }

    /** The pattern a whole name must match; the schema's is this one, anchored. */
    public Pattern pattern() {
        return pattern;
    }

    /** What a valid name looks like, for messages. */
    public String expected() {
        return expected;
    }

    /**
     * Checks a name and returns it.
     *
     * @throws IllegalArgumentException {@code "'US_East' is not a valid name (expected ...)"}
     */
    public String check(String name) {
        if (!pattern.matcher(name).matches()) {
            throw new IllegalArgumentException(QuotedText.of(name) + " is not a valid " + what + " (expected " + expected + ")");
        }
        return name;
    }

    /**
     * Checks the name a record holds in {@code field}, as the records' constructors report it.
     *
     * @throws IllegalArgumentException {@code "name: 'US_East' is not a valid name (expected ...)"}
     */
    public String check(String field, String name) {
        try {
            return check(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
