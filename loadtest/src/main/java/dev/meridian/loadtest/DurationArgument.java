package dev.meridian.loadtest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads {@code --duration 30s}, {@code --timeout 500ms}, {@code 1.5m}, {@code 2h}, {@code 250us}
 * (and ISO-8601 {@code PT30S}) for picocli, spelled like the simulated gateway's {@code X-Sim-*}
 * durations; the load generator's and the scenarios' options and reports use it.
 */
public final class DurationArgument implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern AMOUNT_AND_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|\u00b5s|ms|s|m|min|h)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String text = value.strip().toLowerCase(Locale.ROOT);
        if (text.startsWith("p")) {
            try {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw invalid(value);
            }
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher matcher = AMOUNT_AND_UNIT.matcher(text);
        if (!matcher.matches()) {
            throw invalid(value);
        }
        long nanosPerUnit = switch (matcher.group(2)) {
            case "ns" -> 1L;
            case "us", "\u00b5s" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        BigDecimal nanos = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit))
                .setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too long a duration");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** {@code 10m}, {@code 30s}, {@code 500ms}, {@code 1.5s}: the way the options are written. */
    public static String format(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos % 60_000_000_000L == 0 && nanos >= 120_000_000_000L) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0 && nanos < 1_000_000_000L) {
            return nanos / 1_000_000L + "ms";
        }
        return BigDecimal.valueOf(nanos, 9).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "s";
    }

    private static CommandLine.TypeConversionException invalid(String value) {
        return new CommandLine.TypeConversionException(
                "'" + value + "' is not a duration (expected e.g. 30s, 500ms, 2m, 1h)");
    }
}
