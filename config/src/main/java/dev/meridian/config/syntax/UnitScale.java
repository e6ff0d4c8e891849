package dev.meridian.config.syntax;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An integer and a unit from a short table, counted in the smallest unit: the one parser and
 * formatter behind durations ({@code 250ms}, {@code 2s}) and sizes ({@code 16MiB}, {@code 4096}).
 */
final class UnitScale {

    private final Pattern pattern;
    private final String[] units;
    private final long[] factors;
    private final String zero;
    private final String tooLarge;

    /**
     * @param unitRequired whether a bare integer is refused (durations) or counts the smallest unit (sizes)
     * @param zero how zero is written
     * @param units unit names, smallest first; {@code ""} may name the smallest, written without a unit
     * @param factors how many of the smallest unit each unit is
     * @param tooLarge what the message for a value beyond a {@code long} expects instead, in parentheses
     */
    UnitScale(boolean unitRequired, String zero, String[] units, long[] factors, String tooLarge) {
        StringBuilder alternatives = new StringBuilder();
        for (String unit : units) {
            if (!unit.isEmpty()) {
                alternatives.append(alternatives.length() == 0 ? "" : "|").append(unit);
            }
        }
        this.pattern = Pattern.compile("[0-9]+(" + alternatives + ")" + (unitRequired ? "" : "?"));
        this.units = units.clone();
        this.factors = factors.clone();
        this.zero = zero;
        this.tooLarge = tooLarge;
    }

    /** The whole syntax; the schema's pattern is this one, anchored. */
    Pattern pattern() {
        return pattern;
    }

    /**
     * The value of {@code text} in the smallest unit, or {@code null} when it does not match.
     *
     * @throws IllegalArgumentException {@code "'99999999999999999999s' is too large (expected ...)"} when it
     *     does not fit in a {@code long}
     */
    @Nullable Long parse(String text) {
        try {
            return parseExact(text);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(QuotedText.of(text) + " is too large (" + tooLarge + ")", e);
        }
    }

    private @Nullable Long parseExact(String text) {
        Matcher m = pattern.matcher(text);
        if (!m.matches()) {
            return null;
        }
        String unit = m.group(1) == null ? "" : m.group(1);
        long amount;
        try {
            amount = Long.parseLong(text.substring(0, text.length() - unit.length()));
        } catch (NumberFormatException e) {
            throw new ArithmeticException("more than 19 digits");
        }
        for (int i = 0; i < units.length; i++) {
            if (units[i].equals(unit)) {
                return Math.multiplyExact(amount, factors[i]);
            }
        }
        throw new AssertionError("the pattern admits only the listed units: " + unit);
    }

    /** The shortest exact text: the largest unit that divides {@code value}. */
    String format(long value) {
        if (value == 0) {
            return zero;
        }
        for (int i = units.length - 1; i >= 0; i--) {
            if (value % factors[i] == 0) {
                return value / factors[i] + units[i];
            }
        }
        return Long.toString(value); // the smallest unit divides everything
    }
}
