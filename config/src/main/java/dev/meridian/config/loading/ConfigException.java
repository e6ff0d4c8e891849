package dev.meridian.config.loading;

import java.util.List;
import java.util.stream.Collectors;
import static java.util.Objects.requireNonNull;

/**
 * A configuration that cannot be used, with every problem found (not just the first), so that
 * one round of editing fixes the file. The message is the problems, one per line, ready to print:
 * {@code meridian validate} prints it and exits with status 2.
 */
public final class ConfigException extends RuntimeException {

    private final List<ConfigProblem> problems;

    /**
     * @param problems at least one, in the order to report them
     */
    public ConfigException(List<ConfigProblem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems, ordered by position in the file. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String message(List<ConfigProblem> problems) {
        requireNonNull(problems, "problems");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: empty (expected: at least one)");
        }
        return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
    }
}
