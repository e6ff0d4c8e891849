package dev.meridian.config.loading;

import static java.util.Objects.requireNonNull;

/**
 * One thing wrong with a configuration file, located the way compilers do it so that editors and
 * CI logs link straight to it: {@code meridian.yaml:12:7: regions[1].weight: 2000 is out of range
 * (expected: 0..1000)}.
 *
 * @param file the file name as given by the user (or the source name passed to the loader)
 * @param line 1-based line, or 0 when the problem concerns the file as a whole
 * @param column 1-based column, or 0 when unknown
 * @param message one line: the key path, what is wrong, what was found and what was expected
 */
public record ConfigProblem(String file, int line, int column, String message) {

    public ConfigProblem {
        requireNonNull(file, "file");
        requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
        }
        if (column < 0) {
            throw new IllegalArgumentException("column: " + column + " (expected: >= 0)");
        }
        if (message.indexOf('\n') >= 0 || message.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("message: contains a line break (expected: one line)");
        }
    }

    /** A problem with the file as a whole ({@code FILE: message}). */
    public static ConfigProblem ofFile(String file, String message) {
        return new ConfigProblem(file, 0, 0, message);
    }

    /** {@code FILE:LINE:COL: message}; {@code FILE:LINE: message} without a column; {@code FILE: message} without a line. */
    @Override
    public String toString() {
        if (line == 0) {
            return file + ": " + message;
        }
        if (column == 0) {
            return file + ":" + line + ": " + message;
        }
        return file + ":" + line + ":" + column + ": " + message;
    }
}
