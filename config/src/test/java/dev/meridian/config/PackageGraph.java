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

/**
 * Which packages of a module refer to which, for the package-layering tests (config's and the
 * router's; the router's tests get it from config's test jar). Read from the compiled classes with
 * {@code javap}, so every reference in code counts (fully qualified names and signatures too), and
 * from the main sources' import lines, so that an import kept only for a Javadoc link counts as
 * well.
 *
 * <pre>{@code
 * Map<String, Set<String>> uses = PackageGraph.of(MeridianConfig.class, "dev.meridian.config");
 * assertThat(uses.get("dev.meridian.config.syntax")).isEmpty();
 * assertThat(PackageGraph.packagesInCycles(uses)).isEmpty();
 * }</pre>
 */
public final class PackageGraph {

    private PackageGraph() {}

    /**
     * Package → the other packages under {@code root} that its classes refer to, for every package
     * under {@code root} in the module that holds {@code moduleClass}. Run from the module's
     * directory (as Maven runs tests), where the sources are {@code src/main/java}.
     */
    public static Map<String, Set<String>> of(Class<?> moduleClass, String root) throws IOException, URISyntaxException {
        Path classes = Path.of(moduleClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> uses = new TreeMap<>();
        addClassReferences(uses, classes, root);
        addSourceImports(uses, Path.of("src/main/java"), root);
        return uses;
    }

    /** The packages that can reach themselves through the graph (empty when it is acyclic). */
    public static Set<String> packagesInCycles(Map<String, Set<String>> uses) {
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

    private static void addClassReferences(Map<String, Set<String>> uses, Path classes, String root) throws IOException {
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(classes.resolve(root.replace('.', '/')))) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        assertThat(classFiles).as("compiled classes under " + classes).isNotEmpty();
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow(() -> new AssertionError("javap: not in this JDK"));
        List<String> arguments = new ArrayList<>(List.of("-v", "-p"));
        classFiles.forEach(f -> arguments.add(f.toString()));
        StringWriter out = new StringWriter();
        int status = javap.run(new PrintWriter(out), new PrintWriter(out), arguments.toArray(String[]::new));
        assertThat(status).as("javap: " + out).isZero();
        // A class reference under root, in the internal form javap prints (dev/meridian/config/syntax/NameRule).
        Pattern reference = Pattern.compile(Pattern.quote(root.replace('.', '/')) + "((?:/[a-z][a-z0-9]*)*)/[A-Z]");
        Set<String> targets = new TreeSet<>();
        String from = "";
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("Classfile ")) { // one class's listing starts
                Path classFile = Path.of(line.substring("Classfile ".length()).trim());
                from = classes.relativize(classFile.getParent()).toString().replace('/', '.');
                targets = uses.computeIfAbsent(from, p -> new TreeSet<>());
                continue;
            }
            Matcher m = reference.matcher(line);
            while (m.find()) {
                String to = root + m.group(1).replace('/', '.');
                if (!to.equals(from)) {
                    targets.add(to);
                }
            }
        }
    }

    private static void addSourceImports(Map<String, Set<String>> uses, Path sources, String root) throws IOException {
        Path dir = sources.resolve(root.replace('.', '/'));
        assertThat(dir).as("the main sources, from " + Path.of("").toAbsolutePath()).isDirectory();
        Pattern importLine = Pattern.compile(
                "^import\\s+(?:static\\s+)?(" + Pattern.quote(root) + "(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]", Pattern.MULTILINE);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String from = sources.relativize(file.getParent()).toString().replace('/', '.');
            Matcher m = importLine.matcher(Files.readString(file));
            while (m.find()) {
                if (!m.group(1).equals(from)) {
                    uses.computeIfAbsent(from, p -> new TreeSet<>()).add(m.group(1));
                }
            }
        }
    }
}
