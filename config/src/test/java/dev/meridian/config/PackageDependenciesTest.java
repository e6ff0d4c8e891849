package dev.meridian.config;

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
 * The config module's packages depend one way: the syntax leaf, the records on it, the loader on
 * both. Read from the compiled classes with {@code javap}, so every reference in code counts
 * (fully qualified names and signatures too), and from the sources' import lines, so that an
 * import kept only for a Javadoc link counts as well.
 */
class PackageDependenciesTest {

    private static final String SYNTAX = "dev.meridian.config.syntax";
    private static final String RECORDS = "dev.meridian.config";
    private static final String LOADING = "dev.meridian.config.loading";

    /** A class reference inside the module, in the internal form javap prints ({@code dev/meridian/config/syntax/NameRule}). */
    /** An import of a class in the module: the package is group 1. */
    private static final Pattern IMPORT =
            Pattern.compile("^import\\s+(?:static\\s+)?(dev\\.meridian\\.config(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]", Pattern.MULTILINE);

    private static final Pattern REFERENCE = Pattern.compile("dev/meridian/config((?:/[a-z][a-z0-9]*)*)/[A-Z]");

    @Test
    void packagesDependOneWayFromTheSyntaxLeafToTheLoader() throws IOException, URISyntaxException {
        Map<String, Set<String>> uses = packageDependencies();

        assertThat(uses).as("a new package needs a place in this layering").containsOnlyKeys(SYNTAX, RECORDS, LOADING);
        assertThat(uses.get(SYNTAX)).as("the syntax leaf uses nothing else in config").isEmpty();
        assertThat(uses.get(RECORDS)).as("the records use only the syntax leaf").isSubsetOf(SYNTAX);
        assertThat(uses.get(LOADING)).isSubsetOf(RECORDS, SYNTAX);
        assertThat(packagesInCycles(uses)).as("packages that reach themselves").isEmpty();
    }

    /** Package → the other config packages its classes refer to. */
    private static Map<String, Set<String>> packageDependencies() throws IOException, URISyntaxException {
        Path classes = Path.of(MeridianConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(classes.resolve("dev/meridian/config"))) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        assertThat(classFiles).as("compiled classes under " + classes).isNotEmpty();
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
                String to = "dev.meridian.config" + m.group(1).replace('/', '.');
                if (!to.equals(from)) {
                    targets.add(to);
                }
            }
        }
        addSourceImports(uses);
        return uses;
    }

    /** Adds the imports in the module's main sources (run from the module directory, as Maven does). */
    private static void addSourceImports(Map<String, Set<String>> uses) throws IOException {
        Path sources = Path.of("src/main/java");
        assertThat(sources.resolve("dev/meridian/config")).as("the config sources, from " + Path.of("").toAbsolutePath()).isDirectory();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources.resolve("dev/meridian/config"))) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String from = sources.relativize(file.getParent()).toString().replace('/', '.');
            Matcher m = IMPORT.matcher(Files.readString(file));
            while (m.find()) {
                if (!m.group(1).equals(from)) {
                    uses.computeIfAbsent(from, p -> new TreeSet<>()).add(m.group(1));
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
