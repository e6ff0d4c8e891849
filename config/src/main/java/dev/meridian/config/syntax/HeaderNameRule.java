package dev.meridian.config.syntax;

import java.util.regex.Pattern;

/**
 * HTTP header names given in the configuration ({@code geo.location-headers},
 * {@code routes[].sticky-header}). A field name is a {@code token} (RFC 9110, section 5.1 and
 * 5.6.2); anything else could never match a received header, so it is a typo worth refusing.
 */
public final class HeaderNameRule {

    /** {@code token = 1*tchar}, as in RFC 9110 section 5.6.2; the same pattern as {@code $defs/header-name} in the schema. */
    public static final Pattern PATTERN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /** What a valid header name looks like, for messages. */
    public static final String EXPECTED =
            "an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, e.g. X-Gitlab-Instance-Id";

    private HeaderNameRule() {}

    /**
     * Checks a header name and returns it as given (names are compared case-insensitively).
     *
     * @throws IllegalArgumentException {@code "'X Geo' is not a valid header name (expected ...)"}
     */
    public static String check(String name) {
        if (!PATTERN.matcher(name).matches()) {
            throw new IllegalArgumentException(QuotedText.of(name) + " is not a valid header name (expected " + EXPECTED + ")");
        }
        return name;
    }
}
