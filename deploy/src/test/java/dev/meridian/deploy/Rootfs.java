package dev.meridian.deploy;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a program inside a root filesystem the way a container runtime does, with what this
 * machine allows (crun is refused its rlimits and cgroups here): new mount and PID namespaces, so
 * the program is PID 1 and every mount below vanishes with it; a fresh {@code /proc} and the host's
 * {@code /dev}; the root remounted read-only when asked; the binds (a volume, a configuration
 * file); then chroot, working directory and numeric user, and {@code exec} of the program. There is
 * no network namespace: the program's loopback ports are the host's.
 *
 * <pre>{@code
 * List<String> command = Rootfs.readOnly(imageRoot)
 *         .bind(volume, "/var/lib/meridian", false)
 *         .command("/var/lib/meridian", "10001:10001", List.of("/usr/bin/meridian", "validate", ...));
 * }</pre>
 *
 * <p>The JVM inside finds its libraries through {@code /proc/self/exe}, hence the {@code /proc}.
 * {@code unshare --kill-child} kills the program when the outer {@code unshare} dies, so a test
 * that kills the process it started leaves nothing behind.
 */
final class Rootfs {

    private final Path root;
    private final boolean readOnly;
    private final List<String> mounts = new ArrayList<>();

    private Rootfs(Path root, boolean readOnly) {
        this.root = requireNonNull(root, "root");
        this.readOnly = readOnly;
    }

    /** {@code root} mounted read-only, as a container with a read-only root filesystem sees it. */
    static Rootfs readOnly(Path root) {
        return new Rootfs(root, true);
    }

    /** {@code root} as it is (for installing packages into a container's writable layer). */
    static Rootfs writable(Path root) {
        return new Rootfs(root, false);
    }

    /** Binds {@code source} (a directory or a file) over {@code target}, a path inside the root that exists. */
    Rootfs bind(Path source, String target, boolean bindReadOnly) {
        mounts.add("mount --bind" + (bindReadOnly ? " -o ro " : " ") + quote(source.toString()) + " " + quote(root + target));
        return this;
    }

    /** The command line that runs {@code program} in the root as {@code uidGid} ({@code "10001:10001"}). */
    List<String> command(String workdir, String uidGid, List<String> program) {
        String[] ids = uidGid.split(":", 2);
        StringBuilder script = new StringBuilder("set -e\n");
        if (readOnly) {
            script.append("mount --bind ").append(quote(root.toString())).append(' ').append(quote(root.toString())).append('\n');
            script.append("mount -o remount,bind,ro ").append(quote(root.toString())).append('\n');
        }
        script.append("mount -t proc proc ").append(quote(root + "/proc")).append('\n');
        script.append("mount --bind /dev ").append(quote(root + "/dev")).append('\n');
        mounts.forEach(m -> script.append(m).append('\n'));
        script.append("exec unshare --root=").append(quote(root.toString()))
                .append(" --wd=").append(quote(workdir))
                .append(" --setgid=").append(ids[1]).append(" --setuid=").append(ids[0])
                .append(" -- \"$@\"\n");
        List<String> command = new ArrayList<>(List.of(
                "unshare", "--mount", "--pid", "--fork", "--kill-child", "--", "/bin/sh", "-c", script.toString(), "sh"));
        command.addAll(program);
        return command;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
