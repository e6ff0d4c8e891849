package dev.meridian.config;

/**
 * The bounds check the records' constructors share, with the one message shape they use:
 * {@code "weight: -3 (expected: 0..1000)"}.
 */
final class Range {

    private Range() {}

    /**
     * Returns {@code value} when it is in {@code min..max}.
     *
     * @param name the record component, first in the message
     * @throws IllegalArgumentException {@code "name: value (expected: min..max)"}
     */
    static long check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    /** As {@link #check(String, long, long, long)}, for an {@code int}. */
    static int check(String name, int value, int min, int max) {
        return (int) check(name, (long) value, min, max);
    }
}
