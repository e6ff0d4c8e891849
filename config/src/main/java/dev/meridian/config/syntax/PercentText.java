package dev.meridian.config.syntax;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * The percentage syntax of the config file: a decimal number and {@code %} ({@code 99.9%},
 * {@code 50%}), read as a fraction ({@code 0.999}). The sign is required so that {@code 0.5} is
 * never taken for half a percent or for a half.
 */
public final class PercentText {

    /** The same pattern as {@code $defs/percent} in the schema. */
    public static final Pattern PATTERN = Pattern.compile("[0-9]+(\\.[0-9]+)?%");

    /** Examples quoted in messages. */
    public static final String EXAMPLES = "e.g. 99.9%, 50%";

    private PercentText() {}

    /**
     * Parses a percentage into a fraction, exactly as written ({@code 99.9%} is {@code 0.999}).
     *
     * @throws IllegalArgumentException {@code "'0.5' is not a percentage (expected e.g. 99.9%, 50%)"}
     */
    public static double parse(String text) {
        if (!PATTERN.matcher(text).matches()) {
            throw new IllegalArgumentException(QuotedText.of(text) + " is not a percentage (expected " + EXAMPLES + ")");
        }
        return new BigDecimal(text.substring(0, text.length() - 1)).movePointLeft(2).doubleValue();
    }
}
