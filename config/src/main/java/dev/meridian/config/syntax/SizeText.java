package dev.meridian.config.syntax;

import java.util.regex.Pattern;

/**
 * The size syntax of the config file: bytes as a plain integer, or an integer and a binary unit
 * ({@code 8KiB}, {@code 16MiB}, {@code 1GiB}). Decimal units ({@code MB}) are refused rather than
 * guessed, because {@code 16MB} and {@code 16MiB} differ by five percent.
 */
public final class SizeText {

    private static final UnitScale BYTES = new UnitScale(false, "0",
            new String[] {"", "KiB", "MiB", "GiB"}, new long[] {1, 1L << 10, 1L << 20, 1L << 30},
            "expected at most " + Long.MAX_VALUE + " bytes");

    /** The same pattern as {@code $defs/size} in the schema. */
    public static final Pattern PATTERN = BYTES.pattern();

    /** What a size looks like, for messages. */
    public static final String EXPECTED = "bytes, or e.g. 8KiB, 16MiB, 1GiB";

    private SizeText() {}

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException {@code "'16MB' is not a size (expected bytes, or e.g. 8KiB, 16MiB, 1GiB)"}
     */
    public static long parse(String text) {
        Long bytes = BYTES.parse(text);
        if (bytes == null) {
            throw new IllegalArgumentException(QuotedText.of(text) + " is not a size (expected " + EXPECTED + ")");
        }
        return bytes;
    }

    /** The shortest exact text for a size: {@code 16777216} becomes {@code 16MiB}. */
    public static String format(long bytes) {
        return BYTES.format(bytes);
    }
}
