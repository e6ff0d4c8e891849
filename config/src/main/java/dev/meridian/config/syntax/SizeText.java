package dev.meridian.config.syntax;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The size syntax of the config file: bytes as a plain integer, or an integer and a binary unit
 * ({@code 8KiB}, {@code 16MiB}, {@code 1GiB}). Decimal units ({@code MB}) are refused rather than
 * guessed, because {@code 16MB} and {@code 16MiB} differ by five percent.
 */
public final class SizeText {

    /** The same pattern as {@code $defs/size} in the schema. */
    public static final Pattern PATTERN = Pattern.compile("[0-9]+(KiB|MiB|GiB)?");

    /** What a size looks like, for messages. */
    public static final String EXPECTED = "bytes, or e.g. 8KiB, 16MiB, 1GiB";

    private SizeText() {}

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException {@code "'16MB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)"}
     */
    public static long parse(String text) {
        Matcher m = PATTERN.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(QuotedText.of(text) + " is not a size (expected " + EXPECTED + ")");
        }
        String unit = m.group(1);
        int shift = unit == null ? 0 : switch (unit) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        try {
            long amount = Long.parseLong(unit == null ? text : text.substring(0, m.start(1)));
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException("overflow");
            }
            return amount << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(QuotedText.of(text) + " is too large (expected at most " + Long.MAX_VALUE + " bytes)", e);
        }
    }

    /** The shortest exact text for a size: {@code 16777216} becomes {@code 16MiB}. */
    public static String format(long bytes) {
        String[] units = {"GiB", "MiB", "KiB"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
