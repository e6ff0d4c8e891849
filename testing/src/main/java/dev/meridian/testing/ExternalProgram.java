package dev.meridian.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program that a test runs but the build does not provide ({@code etcd}, {@code dnsmasq},
 * {@code chromium}, {@code promtool}, {@code podman}, {@code lintian}, ...): found on {@code PATH},
 * run with a bounded wait, its output kept for the failure message.
 *
 * <p>When it is missing, a developer's build skips the test and says why, on stderr and in the
 * test report; a CI build ({@code CI=true}, set by {@code .ci/run}, which installs these programs)
 * fails instead, because there a skipped test would pass unnoticed.
 *
 * <pre>{@code
 * ExternalProgram promtool = ExternalProgram.require("promtool", "install Debian's prometheus");
 * ExternalProgram.Result result = promtool.run(dir, Duration.ofSeconds(60), List.of("check", "rules", "a.yml"));
 * assertThat(result.exitCode()).as(result.describe()).isZero();
 * }</pre>
 */
public final class ExternalProgram {

    private static final Logger log = LoggerFactory.getLogger(ExternalProgram.class);

    private final Path path;

    private ExternalProgram(Path path) {
        this.path = path;
    }

    /**
     * The program {@code name} on {@code PATH}. When there is none: under {@code CI=true} fails the
     * test; otherwise prints {@code "NAME not found: INSTALL"} on stderr and aborts the test as
     * skipped with that reason.
     *
     * @param install how to get it, for the message, e.g. {@code "install Debian's etcd-server;
     *     .ci/run does"}
     */
    public static ExternalProgram require(String name, String install) {
        Optional<Path> found = onPath(name);
        if (found.isPresent()) {
            return new ExternalProgram(found.get());
        }
        return unavailable(name + " not found: " + install);
    }

    /**
     * Skips the test with {@code reason}, or fails it under {@code CI=true}. Never returns normally;
     * typed so that callers can {@code return unavailable(...)}.
     */
    public static <T> T unavailable(String reason) {
        if (isCi()) {
            throw new AssertionError(reason + ". CI=true, where the test must run, not be skipped (PATH="
                    + System.getenv("PATH") + ")");
        }
        // On stderr for the person at the terminal, in the log for the test report.
        System.err.println(reason);
        log.warn("SKIPPED: {} (PATH={})", reason, System.getenv("PATH"));
        return Assumptions.abort(reason);
    }

    /** Skips (or under CI fails) unless the tests run as root, which {@code what} needs. */
    public static void requireRoot(String what) {
        String user = System.getProperty("user.name");
        if (!"root".equals(user)) {
            unavailable(what + " needs root (namespaces, mounts, podman's image store); the tests run as " + user);
        }
    }

    /** Whether this is a CI build ({@code CI=true}, as {@code .ci/run} and most CI systems set). */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The executable file {@code name} in the first directory of {@code PATH} that has one. */
    public static Optional<Path> onPath(String name) {
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

    /** The absolute path of the program, to run it without a second {@code PATH} lookup. */
    public Path path() {
        return path.toAbsolutePath();
    }

    /** What a finished run printed (stdout and stderr together) and how it exited. */
    public record Result(String command, int exitCode, String output) {

        /** For failure messages: the command, its exit code and everything it printed. */
        public String describe() {
            return "$ " + command + "\nexit code " + exitCode + "\n" + output;
        }

        /** This result, when it exited 0; otherwise fails the test with {@link #describe()}. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }
    }

    /** Runs the program with {@code args} in this JVM's directory and waits at most {@code timeout}. */
    public Result run(Duration timeout, String... args) {
        return run(null, timeout, List.of(args));
    }

    /** Runs the program with {@code args} in {@code dir} (this JVM's when {@code null}); see {@link #run(List, Path, Map, Duration)}. */
    public Result run(@Nullable Path dir, Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(path().toString());
        command.addAll(args);
        return run(command, dir, null, timeout);
    }

    /**
     * Runs {@code command} in {@code dir} (this JVM's when {@code null}), with {@code environment}
     * as its whole environment (this JVM's when {@code null}), and waits at most {@code timeout}; a
     * run that takes longer is killed with everything it started and fails the test with what it
     * printed so far.
     */
    public static Result run(List<String> command, @Nullable Path dir, @Nullable Map<String, String> environment,
            Duration timeout) {
        String commandLine = String.join(" ", command);
        Path output;
        try {
            // A file, not a pipe: a chatty process never blocks on a full pipe nobody reads.
            output = Files.createTempFile("meridian-" + Path.of(command.get(0)).getFileName() + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            if (environment != null) {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new AssertionError("$ " + commandLine + "\ndid not finish within " + timeout + "; its output:\n"
                        + read(output));
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
    public static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL to {@code process} and everything it started, then waits for it (bounded). */
    public static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                log.warn("process {} did not die within 10 s of SIGKILL", process.pid());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The whole text of {@code file} (a program's output), or a note saying why it cannot be read. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
