package dev.meridian.deploy;

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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program the deployment tests run but the build does not provide ({@code podman},
 * {@code mmdebstrap}, {@code lintian}, {@code systemd-analyze}, {@code dpkg-deb}): found on
 * {@code PATH}, run with a bounded wait, its output kept for the failure message.
 *
 * <p>When one is missing, a developer's build skips the test and says why (in the report and the
 * log); a CI build ({@code CI=true}, set by {@code .ci/run}, which installs them all) fails,
 * because there a skipped check would pass unnoticed. The same rule as the grafana module's.
 */
final class ExternalTool {

    private static final Logger log = LoggerFactory.getLogger(ExternalTool.class);

    private final Path executable;

    private ExternalTool(Path executable) {
        this.executable = executable;
    }

    /**
     * The tool {@code name} on {@code PATH}; when there is none, fails under {@code CI=true} and
     * otherwise aborts the test as skipped.
     *
     * @param debianPackage what provides it, for the message
     */
    static ExternalTool require(String name, String debianPackage) {
        Optional<Path> found = onPath(name);
        if (found.isPresent()) {
            return new ExternalTool(found.get());
        }
        unavailable("'" + name + "' is not on PATH (" + System.getenv("PATH") + "); install it "
                + "(Debian/Ubuntu: apt-get install " + debianPackage + ") to run this test");
        throw new IllegalStateException("unreachable");
    }

    /** Skips the test with {@code reason}, or fails it under {@code CI=true}. Never returns. */
    static void unavailable(String reason) {
        if (isCi()) {
            fail("CI=true but " + reason + ". .ci/run provides it; CI must not skip this test.");
        }
        log.warn("SKIPPED: {}", reason);
        Assumptions.abort(reason);
    }

    /** Skips (or under CI fails) unless the tests run as root, which {@code what} needs. */
    static void requireRoot(String what) {
        if (!"root".equals(System.getProperty("user.name"))) {
            unavailable(what + " needs root (namespaces, mounts, podman's image store); the tests run as "
                    + System.getProperty("user.name"));
        }
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

        /** This result, when it exited 0; otherwise fails the test with {@link #describe()}. */
        Result requireSuccess() {
            if (exitCode != 0) {
                fail(describe());
            }
            return this;
        }
    }

    /** Runs the tool with {@code args} and waits at most {@code timeout}. */
    Result run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        return run(command, null, timeout);
    }

    /**
     * Runs {@code command} (with {@code environment} as its whole environment, or this JVM's when
     * {@code null}) and waits at most {@code timeout}; a run that takes longer is killed with
     * everything it started and fails the test with what it printed so far.
     */
    static Result run(List<String> command, @Nullable Map<String, String> environment, Duration timeout) {
        String commandLine = String.join(" ", command);
        Path output;
        try {
            // A file, not a pipe: a chatty process never blocks on a full pipe nobody reads.
            output = Files.createTempFile("meridian-deploy-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            if (environment != null) {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                kill(process);
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

    /** SIGKILL to {@code process} and everything it started, then waits for it (bounded). */
    static void kill(Process process) {
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

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
