package dev.meridian.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Debian package {@code package} builds (jdeb, deploy/pom.xml): Debian's own checker accepts
 * it, it holds exactly the files {@code src/docs/deploy.md} lists, its control fields are right,
 * and on a Debian system (the test base image's filesystem, in a podman container's writable
 * layer) it installs, creates its user and directories with the documented owners and modes, runs
 * {@code meridian validate} as that user with the installed launcher and Java, reinstalls, and
 * purges what it wrote.
 */
class DebianPackageTest {

    private static final Logger log = LoggerFactory.getLogger(DebianPackageTest.class);

    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path DEB = Path.of(System.getProperty("meridian.deb", "target/meridian.deb"));
    private static final Path DOCS = MODULE.resolve("../src/docs/deploy.md").normalize();
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(3);
    private static final String CONTAINER_PREFIX = "meridian-deb-test-";
    /** A row of deploy.md's table of the package's files: | `/path` | 0644 | yes | what | */
    private static final Pattern DOCUMENTED_FILE = Pattern.compile("^\\| `(/[^`]+)` \\| (0[0-7]{3}) \\| (yes)? *\\|", Pattern.MULTILINE);
    private static final Pattern CONTENTS_LINE = Pattern.compile("^(\\S{10}) (\\S+)/(\\S+) +\\d+ \\S+ \\S+ \\./(\\S*)$");

    @TempDir
    Path dir;

    /** One file of the package: its path, mode, and whether dpkg treats it as a conffile. */
    record PackagedFile(String path, String mode, boolean conffile) {}

    @Test
    void lintianReportsNoErrorAndNoWarning() {
        ExternalProgram lintian = ExternalProgram.require("lintian", "install Debian's lintian");
        assertThat(DEB).as("built by `package`").exists();

        long started = System.nanoTime();
        ExternalProgram.Result result = lintian.run(TOOL_TIMEOUT, "--display-info", "--show-overrides", DEB.toString());
        log.info("lintian ({} s):\n{}", (System.nanoTime() - started) / 1_000_000_000, result.output());

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.output().lines().filter(l -> l.startsWith("E: ") || l.startsWith("W: ")))
                .as("fix them, or override one in src/deploy/debian/lintian-overrides with the reason and list it in deploy.md")
                .isEmpty();
    }

    @Test
    void thePackageHoldsExactlyTheFilesTheDocsList() throws IOException {
        ExternalProgram dpkgDeb = ExternalProgram.require("dpkg-deb", "install Debian's dpkg");
        List<PackagedFile> documented = new ArrayList<>();
        Matcher row = DOCUMENTED_FILE.matcher(Files.readString(DOCS));
        while (row.find()) {
            documented.add(new PackagedFile(row.group(1), row.group(2), row.group(3) != null));
        }
        assertThat(documented).as("the table in %s", DOCS).isNotEmpty();

        List<String> conffiles = dpkgDeb.run(TOOL_TIMEOUT, "--info", DEB.toString(), "conffiles").requireSuccess()
                .output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<PackagedFile> packaged = new ArrayList<>();
        for (String line : dpkgDeb.run(TOOL_TIMEOUT, "--contents", DEB.toString()).requireSuccess().output().lines().toList()) {
            Matcher m = CONTENTS_LINE.matcher(line);
            assertThat(m.matches()).as("a line of dpkg-deb --contents: %s", line).isTrue();
            if (m.group(1).startsWith("d")) {
                assertThat(m.group(1)).as("directory %s", m.group(4)).isEqualTo("drwxr-xr-x");
                continue;
            }
            assertThat(m.group(2) + ":" + m.group(3)).as("owner of %s", m.group(4)).isEqualTo("root:root");
            String path = "/" + m.group(4);
            packaged.add(new PackagedFile(path, octal(m.group(1)), conffiles.contains(path)));
        }

        assertThat(packaged).containsExactlyInAnyOrderElementsOf(documented);
    }

    @Test
    void theControlFieldsNameTheJavaRuntimeAndTheChangelogNamesTheVersion() throws IOException {
        ExternalProgram dpkgDeb = ExternalProgram.require("dpkg-deb", "install Debian's dpkg");
        Map<String, String> fields = fields(dpkgDeb.run(TOOL_TIMEOUT, "--field", DEB.toString()).requireSuccess().output());

        assertThat(fields).containsEntry("Package", "meridian")
                .containsEntry("Architecture", "all")
                .containsEntry("Section", "net")
                .containsEntry("Priority", "optional")
                .containsEntry("Depends", "default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser")
                .containsKeys("Maintainer", "Installed-Size", "Description");
        String version = fields.get("Version");
        assertThat(version).as("${project.version} with ~SNAPSHOT, and a Debian revision")
                .isEqualTo(System.getProperty("meridian.version", "").replace("-SNAPSHOT", "~SNAPSHOT") + "-1");

        dpkgDeb.run(TOOL_TIMEOUT, "--extract", DEB.toString(), dir.toString()).requireSuccess();
        String changelog;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("usr/share/doc/meridian/changelog.Debian.gz")))) {
            changelog = new String(in.readAllBytes(), UTF_8);
        }
        assertThat(changelog.lines().findFirst()).as("src/deploy/debian/changelog: add an entry for the new version")
                .contains("meridian (" + version + ") unstable; urgency=medium");
    }

    @Test
    void itInstallsValidatesAsItsUserReinstallsAndPurgesOnDebian() throws IOException {
        ExternalProgram.requireRoot("installing into a container's filesystem");
        ExternalProgram podman = ExternalProgram.require("podman", "install Debian's podman");
        String base = TestBaseImage.ensure(podman);
        removeLeftovers(podman);
        String container = CONTAINER_PREFIX + ProcessHandle.current().pid();
        podman.run(TOOL_TIMEOUT, "create", "--name", container, base, "/bin/true").requireSuccess();
        try {
            List<String> mounted = podman.run(TOOL_TIMEOUT, "mount", container).requireSuccess().output().strip().lines().toList();
            Path root = Path.of(mounted.get(mounted.size() - 1));
            Files.copy(DEB, root.resolve("tmp/meridian.deb"), StandardCopyOption.REPLACE_EXISTING);

            inRoot(root, "0:0", "dpkg", "--install", "/tmp/meridian.deb").requireSuccess();

            String[] user = passwdEntry(root).orElseThrow(() -> new AssertionError("no user meridian in /etc/passwd"));
            int uid = Integer.parseInt(user[2]);
            int gid = Integer.parseInt(user[3]);
            assertThat(uid).as("a system user").isLessThan(1000);
            assertThat(user[5]).isEqualTo("/var/lib/meridian");
            assertThat(user[6]).isEqualTo("/usr/sbin/nologin");
            assertOwnerAndMode(root.resolve("etc/meridian/meridian.env"), 0, gid, "640");
            assertOwnerAndMode(root.resolve("var/lib/meridian"), uid, gid, "750");
            assertOwnerAndMode(root.resolve("var/log/meridian"), uid, gid, "750");
            assertOwnerAndMode(root.resolve("usr/bin/meridian"), 0, 0, "755");

            ExternalProgram.Result validate = inRoot(root, uid + ":" + gid,
                    "/usr/bin/meridian", "validate", "--config", "/etc/meridian/meridian.yaml");
            assertThat(validate.exitCode()).as(validate.describe()).isZero();
            assertThat(validate.output()).contains("/etc/meridian/meridian.yaml: valid (3 regions, 4 routes)");

            inRoot(root, "0:0", "dpkg", "--install", "/tmp/meridian.deb").requireSuccess(); // postinst again: idempotent
            Files.writeString(root.resolve("var/lib/meridian/meridian-state.json"), "{}"); // what the router writes

            inRoot(root, "0:0", "dpkg", "--purge", "meridian").requireSuccess();

            for (String gone : List.of("var/lib/meridian", "var/log/meridian", "etc/meridian", "usr/share/meridian", "usr/bin/meridian",
                    "lib/systemd/system/meridian.service")) {
                assertThat(Files.exists(root.resolve(gone), LinkOption.NOFOLLOW_LINKS)).as("/%s after purge", gone).isFalse();
            }
            assertThat(passwdEntry(root)).as("the user stays after purge (Debian practice; see postrm)").isPresent();
        } finally {
            ExternalProgram.Result removed = podman.run(TOOL_TIMEOUT, "rm", "--force", container);
            if (removed.exitCode() != 0) {
                log.warn("cannot remove container {}:\n{}", container, removed.describe());
            }
        }
    }

    /** Containers of earlier runs whose JVM was killed before their {@code finally} ran. */
    private static void removeLeftovers(ExternalProgram podman) {
        String names = podman.run(TOOL_TIMEOUT, "ps", "--all", "--filter", "name=^" + CONTAINER_PREFIX, "--format", "{{.Names}}")
                .requireSuccess().output();
        for (String name : names.lines().filter(n -> n.startsWith(CONTAINER_PREFIX)).toList()) {
            String pid = name.substring(CONTAINER_PREFIX.length());
            if (pid.chars().allMatch(Character::isDigit) && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                log.info("removing container {}, left by a run that did not finish", name);
                podman.run(TOOL_TIMEOUT, "rm", "--force", name);
            }
        }
    }

    private static ExternalProgram.Result inRoot(Path root, String uidGid, String... program) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/root");
        env.put("DEBIAN_FRONTEND", "noninteractive");
        env.put("MERIDIAN_ADMIN_TOKEN", "deb-test-admin-token-0123456789abcdef");
        env.put("MERIDIAN_METRICS_TOKEN", "deb-test-metrics-token-0123456789abcdef");
        return ExternalProgram.run(Rootfs.writable(root).command("/", uidGid, List.of(program)), null, env, TOOL_TIMEOUT);
    }

    private static Optional<String[]> passwdEntry(Path root) throws IOException {
        return Files.readAllLines(root.resolve("etc/passwd")).stream()
                .filter(l -> l.startsWith("meridian:"))
                .map(l -> l.split(":", -1))
                .findFirst();
    }

    private static void assertOwnerAndMode(Path path, int uid, int gid, String mode) throws IOException {
        assertThat(Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("owner of %s", path).isEqualTo(uid);
        assertThat(Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as("group of %s", path).isEqualTo(gid);
        int bits = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
        assertThat(Integer.toOctalString(bits)).as("mode of %s", path).isEqualTo(mode);
    }

    /** {@code -rw-r-----} as {@code 0640}. */
    private static String octal(String permissions) {
        int bits = 0;
        for (int i = 1; i < 10; i++) {
            bits = bits << 1 | (permissions.charAt(i) == '-' ? 0 : 1);
        }
        return String.format("%04o", bits);
    }

    /** The fields of a control file; continuation lines (of Description) are joined. */
    private static Map<String, String> fields(String control) {
        Map<String, String> fields = new LinkedHashMap<>();
        @Nullable String last = null;
        for (String line : control.lines().toList()) {
            if (line.startsWith(" ") && last != null) {
                fields.merge(last, "\n" + line.strip(), String::concat);
            } else if (line.contains(":")) {
                last = line.substring(0, line.indexOf(':'));
                fields.put(last, line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return fields;
    }
}
