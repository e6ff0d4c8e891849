package dev.meridian.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container image of {@code src/deploy/container/Containerfile}, built by podman from the
 * context {@code package} staged in {@code target/container}, on a JRE base made from Debian's
 * packages ({@link TestBaseImage}; no registry is reachable here). Podman cannot start containers
 * on these machines (crun is refused its rlimits and cgroups), so the image's own entrypoint and
 * java run inside the image's own filesystem, mounted read-only, in new mount and PID namespaces,
 * as the image's user, with the volume bound where the image declares it ({@link Rootfs}): what a
 * runtime does, minus cgroups and a network namespace.
 */
class ContainerImageTest {

    private static final Logger log = LoggerFactory.getLogger(ContainerImageTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path CONTEXT = MODULE.resolve("target/container");
    private static final Path CONTAINERFILE = MODULE.resolve("../src/deploy/container/Containerfile").normalize();
    private static final Path ROUTER_JAR = MODULE.resolve("../router/target/meridian.jar").normalize();
    private static final String VERSION = System.getProperty("meridian.version", "unknown");
    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";
    private static final String SOURCE = "https://example.com/meridian.git";
    private static final String TOKEN = "container-test-token-0123456789abcdef";
    private static final Duration PODMAN = Duration.ofMinutes(5);
    private static final Duration START = Duration.ofSeconds(90);
    private static final String IMAGE_PREFIX = "localhost/meridian-image-test";
    private static final Pattern ADMIN_PORT = Pattern.compile("admin API listening on /127\\.0\\.0\\.1:(\\d+)");

    private static @Nullable ExternalProgram podman;
    private static @Nullable String image;
    private static JsonNode config = JSON.createObjectNode();
    private static @Nullable Path root;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildAndMountTheImage() throws IOException {
        ExternalProgram.requireRoot("building and mounting the image");
        ExternalProgram tool = ExternalProgram.require("podman", "install Debian's podman");
        podman = tool;
        assertThat(CONTEXT.resolve("meridian.jar")).as("staged by `package` (maven-antrun-plugin in deploy/pom.xml)").exists();
        String base = TestBaseImage.ensure(tool);
        removeLeftovers(tool);
        image = IMAGE_PREFIX + ":" + ProcessHandle.current().pid();
        long started = System.nanoTime();
        // --no-cache: podman 4.3 (buildah 1.28) reuses a cached LABEL layer when only the build
        // arguments it expands changed, which would give the image another build's labels.
        tool.run(PODMAN, "build", "--no-cache", "--file", CONTAINERFILE.toString(),
                "--build-arg", "BASE_IMAGE=" + base,
                "--build-arg", "VERSION=" + VERSION,
                "--build-arg", "REVISION=" + REVISION,
                "--build-arg", "SOURCE=" + SOURCE,
                "--tag", image, CONTEXT.toString()).requireSuccess();
        log.info("image {} built in {} ms", image, (System.nanoTime() - started) / 1_000_000);
        JsonNode inspected = JSON.readTree(tool.run(PODMAN, "image", "inspect", image).requireSuccess().output());
        config = inspected.path(0).path("Config");
        log.info("image {}: {} bytes", image, inspected.path(0).path("Size").asLong());
        List<String> mounted = tool.run(PODMAN, "image", "mount", image).requireSuccess().output().strip().lines().toList();
        root = Path.of(mounted.get(mounted.size() - 1));
    }

    @AfterAll
    static void removeTheImage() {
        ExternalProgram tool = podman;
        String name = image;
        if (tool == null || name == null) {
            return;
        }
        ExternalProgram.Result unmount = tool.run(PODMAN, "image", "unmount", name);
        ExternalProgram.Result remove = tool.run(PODMAN, "rmi", "--force", name);
        if (unmount.exitCode() != 0 || remove.exitCode() != 0) {
            log.warn("cleaning up {}:\n{}\n{}", name, unmount.describe(), remove.describe());
        }
    }

    /** Images of earlier runs whose JVM was killed before {@link #removeTheImage()} ran. */
    private static void removeLeftovers(ExternalProgram tool) {
        String names = tool.run(PODMAN, "images", "--filter", "reference=" + IMAGE_PREFIX, "--format", "{{.Repository}}:{{.Tag}}")
                .requireSuccess().output();
        for (String name : names.lines().filter(n -> n.startsWith(IMAGE_PREFIX + ":")).toList()) {
            String pid = name.substring(IMAGE_PREFIX.length() + 1);
            if (pid.chars().allMatch(Character::isDigit) && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                log.info("removing {}, left by a run that did not finish", name);
                tool.run(PODMAN, "image", "unmount", name);
                tool.run(PODMAN, "rmi", "--force", name);
            }
        }
    }

    @Test
    void theImageRunsAsANumericUserWithAnExecFormEntrypointAndCarriesOciLabels() {
        String user = config.path("User").asText();
        assertThat(user).as("uid:gid, numeric, so that runAsNonRoot can be checked without /etc/passwd").matches("\\d+:\\d+");
        assertThat(Integer.parseInt(user.split(":")[0])).as("not root").isNotZero();
        assertThat(texts(config.path("Entrypoint"))).as("exec form: no /bin/sh -c in front of the launcher")
                .containsExactly("/usr/bin/meridian");
        assertThat(texts(config.path("Cmd"))).containsExactly("run", "--config", "/etc/meridian/meridian.yaml");
        assertThat(names(config.path("Volumes"))).containsExactly("/var/lib/meridian");
        assertThat(names(config.path("ExposedPorts"))).containsExactlyInAnyOrder("8080/tcp", "9901/tcp");
        assertThat(config.path("WorkingDir").asText()).isEqualTo("/var/lib/meridian");

        Map<String, String> labels = new LinkedHashMap<>();
        config.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        assertThat(labels)
                .containsEntry("org.opencontainers.image.version", VERSION)
                .containsEntry("org.opencontainers.image.revision", REVISION)
                .containsEntry("org.opencontainers.image.source", SOURCE)
                .containsEntry("org.opencontainers.image.title", "Meridian")
                .containsKey("org.opencontainers.image.licenses")
                .containsKey("org.opencontainers.image.description");
        assertThat(labels.get("org.opencontainers.image.licenses")).isNotBlank();
        assertThat(labels.get("org.opencontainers.image.description")).isNotBlank();
    }

    @Test
    void theImageAddsTheJarTheLauncherAndTheConfigurationToItsBaseAndNothingElse() throws IOException {
        JsonNode diff = JSON.readTree(requireTool().run(PODMAN, "image", "diff", "--format", "json", image(), TestBaseImage.NAME)
                .requireSuccess().output());
        assertThat(texts(diff.path("added"))).containsExactlyInAnyOrder(
                "/usr/share/meridian", "/usr/share/meridian/meridian.jar",
                "/usr/bin/meridian",
                "/etc/meridian", "/etc/meridian/meridian.yaml",
                "/var/lib/meridian");
        assertThat(texts(diff.path("changed"))).as("only the parents of what was added")
                .containsExactlyInAnyOrder("/usr", "/usr/share", "/usr/bin", "/etc", "/var", "/var/lib");
        assertThat(texts(diff.path("deleted"))).isEmpty();

        Path rootDir = root();
        assertThat(sha256(rootDir.resolve("usr/share/meridian/meridian.jar")))
                .as("the router's shaded jar, byte for byte").isEqualTo(sha256(ROUTER_JAR));
        assertThat(Files.isExecutable(rootDir.resolve("usr/bin/meridian"))).isTrue();
        assertThat(Files.getAttribute(rootDir.resolve("var/lib/meridian"), "unix:uid"))
                .as("the volume's directory belongs to the image's user, so a fresh volume is writable").isEqualTo(10001);
        assertThat(Files.getAttribute(rootDir.resolve("usr/share/meridian/meridian.jar"), "unix:uid"))
                .as("what the process runs, it cannot change").isEqualTo(0);

        List<String> buildStuff = new ArrayList<>();
        try (Stream<Path> files = Files.walk(rootDir)) {
            files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> "/" + rootDir.relativize(p))
                    .filter(p -> p.endsWith(".java") || p.endsWith("/pom.xml") || p.endsWith("/mvn") || p.endsWith("/mvnw")
                            || p.startsWith("/root/.m2") || p.endsWith("/javac") || p.contains("/.git/"))
                    .forEach(buildStuff::add);
        }
        assertThat(buildStuff).as("no sources, no build tools, no Maven repository").isEmpty();
    }

    @Test
    void theShippedConfigurationValidatesWithTheImagesOwnJava() throws IOException {
        ExternalProgram.Result result = runInImage(volume(), null,
                List.of("validate", "--config", "/etc/meridian/meridian.yaml"), Duration.ofMinutes(2));

        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.output()).contains("/etc/meridian/meridian.yaml: valid (3 regions, 4 routes)");
    }

    @Test
    void anInvalidConfigurationExitsTwoThroughTheEntrypoint() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "regions:\n  - name: here\n    wieght: 5\n    endpoints: []\n");

        ExternalProgram.Result result = runInImage(volume(), bad,
                List.of("validate", "--config", "/etc/meridian/meridian.yaml"), Duration.ofMinutes(2));

        assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
        assertThat(result.output()).contains("/etc/meridian/meridian.yaml:3:5: regions[0].wieght: unknown key");
    }

    /**
     * The image's default command on a read-only root with only the volume writable: java is PID 1,
     * serves {@code /healthz}, keeps its state in the volume, reloads on SIGHUP and drains on SIGTERM.
     */
    @Test
    void runServesHealthzOnAReadOnlyRootAsPid1KeepsStateInTheVolumeReloadsOnSighupAndDrainsOnSigterm() throws Exception {
        Path volume = volume();
        Path configFile = Files.writeString(dir.resolve("meridian.yaml"), runConfig(100));
        Path output = dir.resolve("output.log");
        List<String> command = Rootfs.readOnly(root())
                .bind(volume, "/var/lib/meridian", false)
                .bind(configFile, "/etc/meridian/meridian.yaml", true)
                .command(config.path("WorkingDir").asText("/"), config.path("User").asText(), entrypointAnd(List.of()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment());
        Process unshare = builder.start();
        try {
            Awaitility.await("the admin API listening").atMost(START).pollInterval(Duration.ofMillis(200))
                    .until(() -> ADMIN_PORT.matcher(ExternalProgram.read(output)).find() || !unshare.isAlive());
            Matcher port = ADMIN_PORT.matcher(ExternalProgram.read(output));
            assertThat(port.find()).as("started; output:\n%s", ExternalProgram.read(output)).isTrue();
            URI admin = URI.create("http://127.0.0.1:" + port.group(1));

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> healthz = http.send(HttpRequest.newBuilder(admin.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(healthz.statusCode()).isEqualTo(200);
            assertThat(healthz.body()).contains("\"alive\"");

            ProcessHandle java = unshare.children().findFirst().orElseThrow();
            assertThat(namespacePid(java)).as("java is PID 1: exec all the way, no shell left in between").isEqualTo("1");
            assertThat(Files.readString(Path.of("/proc", Long.toString(java.pid()), "comm")).strip()).isEqualTo("java");
            if ("amd64".equals(System.getProperty("os.arch"))) {
                assertThat(ExternalProgram.read(output)).as("Netty's native transport loads without a writable /tmp")
                        .contains("epoll transport");
            }

            HttpResponse<String> weight = http.send(HttpRequest.newBuilder(admin.resolve("/admin/regions/here/weight"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": 50}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(weight.statusCode()).as(weight.body()).isEqualTo(200);
            Path state = volume.resolve("meridian-state.json");
            assertThat(state).as("admin state in the volume").exists();
            assertThat(Files.getAttribute(state, "unix:uid")).isEqualTo(10001);

            Files.writeString(configFile, runConfig(30)); // in place: the bind mount holds the inode
            ExternalProgram.run(List.of("kill", "-HUP", Long.toString(java.pid())), null, null, Duration.ofSeconds(10)).requireSuccess();
            Path audit = volume.resolve("meridian-audit.jsonl");
            Awaitility.await("the reload audited").atMost(Duration.ofSeconds(30))
                    .until(() -> Files.exists(audit) && Files.readString(audit).contains("\"action\":\"reload\""));
            assertThat(Files.readAllLines(audit)).last().asString().contains("\"token\":\"signal\"", "\"revision\":2");

            assertThat(java.destroy()).as("SIGTERM sent").isTrue();
            assertThat(unshare.waitFor(20, TimeUnit.SECONDS))
                    .as("drained within the 5 s grace (and the JVM's exit); output:\n%s", ExternalProgram.read(output)).isTrue();
            assertThat(unshare.exitValue()).as("exit status; output:\n%s", ExternalProgram.read(output)).isZero();
            assertThat(ExternalProgram.read(output)).contains("received SIGTERM; draining", "received SIGHUP; reloading");
        } finally {
            if (unshare.isAlive()) {
                ExternalProgram.kill(unshare);
            }
        }
    }

    private static String runConfig(int configuredWeight) {
        return "listen: {address: 127.0.0.1, port: 0}\n"
                + "server: {shutdown-grace: 5s}\n"
                + "health: {probe: {enabled: false}}\n"
                + "admin:\n"
                + "  address: 127.0.0.1\n"
                + "  port: 0\n"
                + "  tokens: [{name: sre, token: \"${MERIDIAN_ADMIN_TOKEN}\", scope: write}]\n"
                + "  state-file: /var/lib/meridian/meridian-state.json\n"
                + "  audit-file: /var/lib/meridian/meridian-audit.jsonl\n"
                + "regions:\n"
                + "  - name: here\n"
                + "    weight: " + configuredWeight + "\n"
                + "    endpoints: [\"http://127.0.0.1:9\"]\n";
    }

    /** Runs the image's entrypoint with {@code args} to completion; {@code configFile} replaces the shipped configuration. */
    private ExternalProgram.Result runInImage(Path volume, @Nullable Path configFile, List<String> args, Duration timeout) {
        Rootfs rootfs = Rootfs.readOnly(root()).bind(volume, "/var/lib/meridian", false);
        if (configFile != null) {
            rootfs.bind(configFile, "/etc/meridian/meridian.yaml", true);
        }
        return ExternalProgram.run(
                rootfs.command(config.path("WorkingDir").asText("/"), config.path("User").asText(), entrypointAnd(args)),
                null, environment(), timeout);
    }

    /** The image's environment, as a runtime sets it, plus the tokens the configurations refer to. */
    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/");
        for (JsonNode entry : config.path("Env")) {
            String[] kv = entry.asText().split("=", 2);
            env.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        env.put("MERIDIAN_ADMIN_TOKEN", TOKEN);
        env.put("MERIDIAN_METRICS_TOKEN", TOKEN + "-metrics");
        return env;
    }

    /** The entrypoint and {@code args}, or the image's default command when there are none. */
    private static List<String> entrypointAnd(List<String> args) {
        List<String> command = new ArrayList<>(texts(config.path("Entrypoint")));
        command.addAll(args.isEmpty() ? texts(config.path("Cmd")) : args);
        return command;
    }

    /** A fresh volume, owned by the image's user as a new named volume would be. */
    private Path volume() throws IOException {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        ExternalProgram.run(List.of("chown", config.path("User").asText(), volume.toString()), null, null, Duration.ofSeconds(10))
                .requireSuccess();
        return volume;
    }

    /** The process's PID in the innermost PID namespace it belongs to ({@code NSpid}'s last field). */
    private static String namespacePid(ProcessHandle process) throws IOException {
        Optional<String> line = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                .filter(l -> l.startsWith("NSpid:")).findFirst();
        String[] pids = line.orElseThrow().substring("NSpid:".length()).strip().split("\\s+");
        return pids[pids.length - 1];
    }

    private static ExternalProgram requireTool() {
        ExternalProgram tool = podman;
        assertThat(tool).as("podman").isNotNull();
        return tool;
    }

    private static String image() {
        String name = image;
        assertThat(name).as("the image under test").isNotNull();
        return name;
    }

    private static Path root() {
        Path dirOfImage = root;
        assertThat(dirOfImage).as("the image's mounted filesystem").isNotNull();
        return dirOfImage;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
