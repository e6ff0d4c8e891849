package dev.meridian.router.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program that a test runs but the build does not provide ({@code etcd} from Debian's
 * {@code etcd-server}, later {@code dnsmasq}), found on {@code PATH}.
 *
 * <p>When it is missing, a developer's build skips the test and says why, on stderr and in the test
 * report; a CI build ({@code CI=true}, set by {@code .ci/run}, which installs these programs) fails
 * instead, because there a skipped test would pass unnoticed. The same rule as the grafana module's
 * {@code ExternalTool}, for the router's tests.
 */
public final class ExternalBinary {

    private static final Logger log = LoggerFactory.getLogger(ExternalBinary.class);

    private final Path path;

    private ExternalBinary(Path path) {
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
    public static ExternalBinary require(String name, String install) {
        Optional<Path> found = onPath(name);
        if (found.isPresent()) {
            return new ExternalBinary(found.get());
        }
        String reason = name + " not found: " + install;
        if (isCi()) {
            throw new AssertionError(reason + ". CI=true, where the test must run, not be skipped (PATH="
                    + System.getenv("PATH") + ")");
        }
        // On stderr for the person at the terminal, in the log for the test report.
        System.err.println(reason);
        log.warn("SKIPPED: {} (PATH={})", reason, System.getenv("PATH"));
        return Assumptions.abort(reason);
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

    @Override
    public String toString() {
        return path.toString();
    }
}
