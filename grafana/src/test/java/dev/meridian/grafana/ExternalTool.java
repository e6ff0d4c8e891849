package dev.meridian.grafana;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program the tests run but the build does not provide ({@code promtool}, {@code prometheus}):
 * found on {@code PATH}, run with a bounded wait, its output kept for the failure message.
 *
 * <p>When it is missing, a developer's build skips the test and says so (in the test report and
 * in the log); a CI build ({@code CI=true}, set by {@code .ci/run}, which installs both) fails,
 * because there a skipped check would pass unnoticed.
 */
final class ExternalTool {

    private static final Logger log = LoggerFactory.getLogger(ExternalTool.class);

    private final Path executable;

    private ExternalTool(Path executable) {
        this.executable = executable;
    }

    /**
     * The tool named {@code name} on {@code PATH}; when there is none, fails under {@code CI=true}
     * and otherwise aborts the test as skipped.
     */
    static ExternalTool require(String name) {
        Optional<Path> found = onPath(name);
        if (found.isPresent()) {
            return new ExternalTool(found.get());
        }
        String reason = "'" + name + "' is not on PATH (" + System.getenv("PATH") + "); install Prometheus "
                + "(Debian/Ubuntu: apt-get install prometheus, which brings promtool too) to run this test";
        if (isCi()) {
            fail("CI=true but " + reason + ". .ci/run installs it; CI must not skip this test.");
        }
        log.warn("SKIPPED: {}", reason);
        Assumptions.assumeTrue(false, reason);
        throw new IllegalStateException("unreachable: the assumption above aborts the test");
    }

    static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    Path executable() {
        return executable;
    }

    /** What a finished run printed (stdout and stderr together) and how it exited. */
    record Result(String command, int exitCode, String output) {

        /** For failure messages: the command, its exit code and everything it printed. */
        String describe() {
            return "$ " + command + "\nexit code " + exitCode + "\n" + output;
        }
    }

    /**
     * Runs the tool with {@code args} in {@code dir} and waits for it at most {@code timeout}; a
     * run that takes longer is killed and fails the test with what it printed so far.
     */
    Result run(Path dir, Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(args);
        String commandLine = String.join(" ", command);
        Path output;
        try {
            // A file, not a pipe: a chatty process never blocks on a full pipe nobody reads.
            output = Files.createTempFile("meridian-" + executable.getFileName() + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                stop(process, Duration.ofSeconds(5));
                fail("$ " + commandLine + "\ndid not finish within " + timeout + "; its output:\n" + read(output));
            }
            return new Result(commandLine, process.exitValue(), read(output));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + commandLine + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + commandLine, e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", output, e.toString());
            }
        }
    }

    /** Asks {@code process} to stop (SIGTERM), then, after {@code grace}, kills it. Bounded. */
    static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("process {} did not die within {} of SIGKILL", process.pid(), grace);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
