package dev.meridian.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The chart in {@code src/deploy/helm/meridian}, linted and rendered through helm-java (Helm as a
 * native library, no helm binary), with the value sets under {@code src/test/resources/helm}.
 *
 * <pre>{@code
 * Manifests defaults = HelmChart.render(null, Map.of());
 * Manifests fleet = HelmChart.render("fleet-etcd", Map.of("replicaCount", "5"));
 * }</pre>
 */
final class HelmChart {

    static final String RELEASE = "edge";
    static final String NAMESPACE = "ai";
    /** The objects' name prefix for {@link #RELEASE} ("release-chart"). */
    static final String FULLNAME = RELEASE + "-meridian";

    /** The value sets every test that runs on "all value sets" covers; null is the chart's defaults. */
    static final List<String> VALUE_SETS = List.of("fleet-etcd", "tls-listener", "service-monitor", "geoip-updater");

    private static final YAMLMapper YAML = new YAMLMapper();

    private HelmChart() {}

    /** The chart directory (the Maven module's base directory is {@code deploy/}). */
    static Path dir() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return base.resolve("../src/deploy/helm/meridian").toAbsolutePath().normalize();
    }

    static Path valueSet(String name) {
        URL url = HelmChart.class.getResource("/helm/" + name + ".yaml");
        if (url == null) {
            throw new IllegalArgumentException("no value set " + name + " in src/test/resources/helm");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code helm template} with a value set (or none) and {@code --set} pairs (a value of
     * {@code null} deletes the key, as on Helm's command line).
     *
     * @throws IllegalStateException with Helm's message when rendering fails (a {@code fail} in the chart)
     */
    static Manifests render(@Nullable String valueSet, Map<String, String> set) {
        TemplateCommand template = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (valueSet != null) {
            template = template.withValuesFile(valueSet(valueSet));
        }
        for (Map.Entry<String, String> entry : set.entrySet()) {
            template = template.set(entry.getKey(), entry.getValue());
        }
        return Manifests.parse(template.call());
    }

    /**
     * {@code helm lint --strict} of the chart with its defaults, or with a value set. helm-java's
     * lint takes no values file, so a value set is linted on a copy of the chart in {@code work}
     * whose values.yaml is the defaults merged with the set, the way Helm merges them (maps
     * merged key by key, everything else replaced, null deletes).
     */
    static LintResult lint(@Nullable String valueSet, Path work) {
        if (valueSet == null) {
            return new Helm(dir()).lint().strict().call();
        }
        Path copy = work.resolve("meridian");
        try {
            copyTree(dir(), copy);
            ObjectNode values = (ObjectNode) YAML.readTree(dir().resolve("values.yaml").toFile());
            merge(values, YAML.readTree(valueSet(valueSet).toFile()));
            YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(copy).lint().strict().call();
    }

    /**
     * What {@code helm install} would print from {@code templates/NOTES.txt}. helm-java renders
     * notes only against a cluster, so a copy of the chart in {@code work} gets one more template:
     * a ConfigMap whose data is the notes rendered with {@code tpl}, in the same context.
     */
    static String notes(Map<String, String> set, Path work) {
        Path copy = work.resolve("meridian");
        try {
            copyTree(dir(), copy);
            Files.copy(dir().resolve("templates/NOTES.txt"), copy.resolve("notes.txt"));
            Files.writeString(copy.resolve("templates/notes-for-test.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: notes
                      namespace: {{ .Release.Namespace }}
                    data:
                      notes: {{ tpl (.Files.Get "notes.txt") . | quote }}
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TemplateCommand template = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE);
        for (Map.Entry<String, String> entry : set.entrySet()) {
            template = template.set(entry.getKey(), entry.getValue());
        }
        return Manifests.parse(template.call()).named(ConfigMap.class, "notes")
                .orElseThrow(() -> new AssertionError("the notes were not rendered"))
                .getData().get("notes");
    }

    private static void merge(ObjectNode base, JsonNode overlay) {
        for (Map.Entry<String, JsonNode> field : overlay.properties()) {
            JsonNode current = base.get(field.getKey());
            if (field.getValue().isNull()) {
                base.remove(field.getKey());
            } else if (current instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
            } else {
                base.set(field.getKey(), field.getValue());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
