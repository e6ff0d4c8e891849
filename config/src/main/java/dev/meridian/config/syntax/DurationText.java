package dev.meridian.config.syntax;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The duration syntax of the config file: an integer and one unit ({@code 250ms}, {@code 2s},
 * {@code 1m}, {@code 1h}). No fractions, no compound forms and no bare numbers, so a value
 * always means what it says: {@code 0} could be read as "disabled" or as "zero", and is refused.
 */
public final class DurationText {

    /** Examples quoted in every message. */
    public static final String EXAMPLES = "e.g. 250ms, 2s, 1m";

    private static final UnitScale MILLIS = new UnitScale(true, "0s",
            new String[] {"ms", "s", "m", "h"}, new long[] {1, 1000, 60_000, 3_600_000}, "expected " + EXAMPLES);

    /** The same pattern as {@code $defs/duration} in the schema. */
    public static final Pattern PATTERN = MILLIS.pattern();

    private DurationText() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException {@code "'10 seconds' is not a duration (expected e.g. 250ms, 2s, 1m)"}
     */
    public static Duration parse(String text) {
        Long millis = MILLIS.parse(text);
        if (millis != null) {
            return Duration.ofMillis(millis);
        }
        if (text.equals("0")) {
            throw new IllegalArgumentException(zeroWithoutUnit());
        }
        if (text.chars().allMatch(c -> c >= '0' && c <= '9') && !text.isEmpty()) {
            throw new IllegalArgumentException(noUnit(text));
        }
        throw new IllegalArgumentException(QuotedText.of(text) + " is not a duration (expected " + EXAMPLES + ")");
    }

    /** The message for a bare {@code 0}, which YAML reads as an integer. */
    public static String zeroWithoutUnit() {
        return "'0' alone is not a duration (expected a unit, " + EXAMPLES + ")";
    }

    /** The message for a bare number other than zero. */
    public static String noUnit(String number) {
        return QuotedText.of(number) + " has no unit (expected " + EXAMPLES + ")";
    }

    /** The shortest exact text for a duration: {@code 90s} stays {@code 90s}, {@code 600s} becomes {@code 10m}. */
    public static String format(Duration duration) {
        return MILLIS.format(duration.toMillis());
    }
}
