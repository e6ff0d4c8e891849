package dev.meridian.config.syntax;


/**
 * How a value from the file is quoted in a message: always on one line, control characters
 * escaped, long text shortened, so that a problem stays one {@code FILE:LINE:COL: message} line.
 */
public final class QuotedText {

    private static final int MAX_SHOWN = 80;

    private QuotedText() {}

    /** {@code 'text'}, with control characters escaped and anything past 80 characters elided. */
    public static String of(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 4).append('\'');
        for (int i = 0; i < text.length(); i++) {
            if (out.length() > MAX_SHOWN) {
                out.append("...");
                break;
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }
}
