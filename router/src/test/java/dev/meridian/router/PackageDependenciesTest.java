package dev.meridian.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data path's packages depend one way: {@code server} → {@code exchange} → {@code upstream},
 * with {@code http} and {@code metrics} as leaves every layer may use (and {@code json}, the line
 * writer). Read from the compiled classes with {@code javap}, so every reference in code counts
 * (fully qualified names and signatures too), and from the sources' import lines, so that an
 * import kept only for a Javadoc link counts as well. The packages around the data path (admin,
 * controller, the CLI, {@code MeridianServer}) may use it; it must not use them.
 */
class PackageDependenciesTest {

    private static final String ROUTER = "dev.meridian.router";
    private static final String HTTP = ROUTER + ".http";
    private static final String METRICS = ROUTER + ".metrics";
    private static final String UPSTREAM = ROUTER + ".upstream";
    private static final String EXCHANGE = ROUTER + ".exchange";
    private static final String SERVER = ROUTER + ".server";
    private static final String JSON = ROUTER + ".json";
    private static final Set<String> DATA_PATH = Set.of(HTTP, METRICS, UPSTREAM, EXCHANGE, SERVER);

    /** A class reference inside the module, in the internal form javap prints ({@code dev/meridian/router/http/ErrorResponse}). */
    private static final Pattern REFERENCE = Pattern.compile("dev/meridian/router((?:/[a-z][a-z0-9]*)*)/[A-Z]");

    /** An import of a class in the module: the package is group 1. */
    private static final Pattern IMPORT =
            Pattern.compile("^import\\s+(?:static\\s+)?(dev\\.meridian\\.router(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void theDataPathDependsOneWayFromTheServerToTheUpstreams() throws IOException, URISyntaxException {
        Map<String, Set<String>> uses = packageDependencies();

        assertThat(uses.keySet()).as("the data path's packages").containsAll(DATA_PATH);
        assertThat(uses.get(HTTP)).as("http: message rules, a leaf").isSubsetOf(JSON);
        assertThat(uses.get(METRICS)).as("metrics: what the path records, a leaf over http").isSubsetOf(HTTP, JSON);
        assertThat(uses.get(UPSTREAM)).as("upstream knows no exchange and no client").isSubsetOf(HTTP, METRICS, JSON);
        assertThat(uses.get(EXCHANGE)).as("an exchange knows no client pipeline").isSubsetOf(UPSTREAM, HTTP, METRICS, JSON);
        assertThat(uses.get(SERVER)).isSubsetOf(EXCHANGE, UPSTREAM, HTTP, METRICS, JSON);
        Map<String, Set<String>> dataPath = new TreeMap<>(uses);
        dataPath.keySet().retainAll(DATA_PATH);
        assertThat(packagesInCycles(dataPath)).as("packages that reach themselves").isEmpty();
    }

    /** Package → the other router packages its classes refer to, for the data path's packages. */
    private static Map<String, Set<String>> packageDependencies() throws IOException, URISyntaxException {
        Path classes = Path.of(MeridianServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> classFiles = new ArrayList<>();
        for (String pkg : DATA_PATH) {
            try (Stream<Path> files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
                files.filter(f -> f.toString().endsWith(".class")).forEach(classFiles::add);
            }
        }
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow(() -> new AssertionError("javap: not in this JDK"));
        List<String> arguments = new ArrayList<>(List.of("-v", "-p"));
        classFiles.forEach(f -> arguments.add(f.toString()));
        StringWriter out = new StringWriter();
        int status = javap.run(new PrintWriter(out), new PrintWriter(out), arguments.toArray(String[]::new));
        assertThat(status).as("javap: " + out).isZero();
        Map<String, Set<String>> uses = new TreeMap<>();
        Set<String> targets = new TreeSet<>();
        String from = "";
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("Classfile ")) { // one class's listing starts
                Path classFile = Path.of(line.substring("Classfile ".length()).trim());
                from = classes.relativize(classFile.getParent()).toString().replace('/', '.');
                targets = uses.computeIfAbsent(from, p -> new TreeSet<>());
                continue;
            }
            Matcher m = REFERENCE.matcher(line);
            while (m.find()) {
                String to = ROUTER + m.group(1).replace('/', '.');
                if (!to.equals(from)) {
                    targets.add(to);
                }
            }
        }
        addSourceImports(uses);
        return uses;
    }

    /** Adds the imports in the data path's main sources (run from the module directory, as Maven does). */
    private static void addSourceImports(Map<String, Set<String>> uses) throws IOException {
        Path sources = Path.of("src/main/java");
        for (String pkg : DATA_PATH) {
            Path dir = sources.resolve(pkg.replace('.', '/'));
            assertThat(dir).as("the router sources, from " + Path.of("").toAbsolutePath()).isDirectory();
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(f -> f.toString().endsWith(".java")).toList();
            }
            for (Path file : files) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        uses.computeIfAbsent(pkg, p -> new TreeSet<>()).add(m.group(1));
                    }
                }
            }
        }
    }

    /** The packages that can reach themselves through the graph (empty when it is acyclic). */
    private static Set<String> packagesInCycles(Map<String, Set<String>> uses) {
        Set<String> inCycles = new TreeSet<>();
        for (String start : uses.keySet()) {
            Set<String> seen = new TreeSet<>();
            List<String> frontier = new ArrayList<>(uses.get(start));
            while (!frontier.isEmpty()) {
                String next = frontier.remove(frontier.size() - 1);
                if (next.equals(start)) {
                    inCycles.add(start);
                    break;
                }
                if (seen.add(next)) {
                    frontier.addAll(uses.getOrDefault(next, Set.of()));
                }
            }
        }
        return inCycles;
    }
}
