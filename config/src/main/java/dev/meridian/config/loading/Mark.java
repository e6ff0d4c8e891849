package dev.meridian.config.loading;


/**
 * A position in the source: 1-based line and column, or {@link #UNKNOWN}.
 */
record Mark(int line, int column) implements Comparable<Mark> {

    /** No position is known (the problem is about the file as a whole). */
    public static final Mark UNKNOWN = new Mark(0, 0);

    public Mark {
        if (line < 0) {
            throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
        }
        if (column < 0) {
            throw new IllegalArgumentException("column: " + column + " (expected: >= 0)");
        }
    }

    @Override
    public int compareTo(Mark other) {
        int byLine = Integer.compare(line, other.line);
        return byLine != 0 ? byLine : Integer.compare(column, other.column);
    }
}
