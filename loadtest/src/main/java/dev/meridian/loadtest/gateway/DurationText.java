package dev.meridian.loadtest.gateway;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Reads and writes durations the way people type them in headers, control requests and flags:
 * {@code 20ms}, {@code 1.5s}, {@code 200us}, {@code 2m}; ISO-8601 ({@code PT0.2S}) is accepted too.
 *
 * <p>One spelling for every surface (the {@code X-Sim-*} headers, the control port's JSON, the
 * command line) so a value copied from one works in the others.
 */
final class DurationText {

    private static final BigDecimal NANOS_PER_MICRO = BigDecimal.valueOf(1_000L);
    private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal NANOS_PER_MINUTE = BigDecimal.valueOf(60_000_000_000L);
    private static final BigDecimal NANOS_PER_HOUR = BigDecimal.valueOf(3_600_000_000_000L);

    private DurationText() {
    }

    /**
     * Parses a non-negative duration.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    static Duration parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return requireNonNegative(text, Duration.parse(s.toUpperCase(Locale.ROOT)));
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
        }
        int unitStart = 0;
        while (unitStart < s.length() && (Character.isDigit(s.charAt(unitStart)) || s.charAt(unitStart) == '.')) {
            unitStart++;
        }
        if (unitStart == 0) {
            throw invalid(text);
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(s.substring(0, unitStart));
        } catch (NumberFormatException e) {
            throw invalid(text);
        }
        String unit = s.substring(unitStart).strip();
        BigDecimal perUnit = switch (unit) {
            case "ns" -> BigDecimal.ONE;
            case "us", "\u00b5s" -> NANOS_PER_MICRO;
            case "ms" -> NANOS_PER_MILLI;
            case "s" -> NANOS_PER_SECOND;
            case "m", "min" -> NANOS_PER_MINUTE;
            case "h" -> NANOS_PER_HOUR;
            case "" -> amount.signum() == 0 ? BigDecimal.ONE : null;
            default -> null;
        };
        if (perUnit == null) {
            throw invalid(text);
        }
        BigDecimal nanos = amount.multiply(perUnit).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration: '" + text + "' is too large");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** Formats in the largest unit that keeps the value exact: {@code 5s}, {@code 200ms}, {@code 1500us}. */
    static String format(Duration duration) {
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException e) {
            return duration.getSeconds() + "s";
        }
        if (nanos == 0) {
            return "0ms";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }

    private static Duration requireNonNegative(String text, Duration d) {
        if (d.isNegative()) {
            throw invalid(text);
        }
        return d;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(
                "duration: '" + text + "' (expected: a non-negative number with a unit ns, us, ms, s, m or h, e.g. 20ms)");
    }
}
