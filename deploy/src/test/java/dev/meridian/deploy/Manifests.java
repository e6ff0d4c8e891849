package dev.meridian.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * The objects {@code helm template} rendered, each read strictly into fabric8's Kubernetes model.
 *
 * <p>Strictly means that a field the model does not know (a typo, a field at the wrong level, a
 * field of a newer API version) fails, as does a value of the wrong type (a string where the API
 * wants a number). fabric8's model classes keep unknown fields in an {@code additionalProperties}
 * map through {@code @JsonAnySetter}; {@link #STRICT} turns that off, so Jackson's
 * {@code FAIL_ON_UNKNOWN_PROPERTIES} applies with the field's path in the message.
 *
 * <p>The YAML is read with the Jackson 2 used by the rest of the build; fabric8 8 binds with
 * Jackson 3, so each document crosses over as JSON text.
 */
final class Manifests {

    /** The kinds the chart renders, by "apiVersion/kind", as the model spells them. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Stream.of(
                    ConfigMap.class, Secret.class, Service.class, ServiceAccount.class, Deployment.class,
                    PodDisruptionBudget.class, HorizontalPodAutoscaler.class, NetworkPolicy.class)
            .collect(Collectors.toUnmodifiableMap(Manifests::key, Function.identity()));

    /** Custom resources: not in the model, read as generic resources and checked field by field. */
    static final String SERVICE_MONITOR = "monitoring.coreos.com/v1/ServiceMonitor";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static final ObjectMapper STRICT = JsonMapper.builder()
            .annotationIntrospector(new NoAnySetter())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private static final ObjectMapper GENERIC = JsonMapper.builder().build();

    private final List<HasMetadata> objects;

    private Manifests(List<HasMetadata> objects) {
        this.objects = List.copyOf(objects);
    }

    /**
     * Reads every document of {@code yaml}.
     *
     * @throws IllegalArgumentException naming the document (its source template) that does not
     *     deserialize strictly, or whose kind the chart is not expected to render
     */
    static Manifests parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document == null || document.isNull() || document.isEmpty()) {
                    continue;
                }
                objects.add(read(document));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Manifests(objects);
    }

    /** One document, strictly. */
    static HasMetadata read(JsonNode document) {
        String key = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
        String name = key + " " + document.path("metadata").path("name").asText();
        String json;
        try {
            json = JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (key.equals(SERVICE_MONITOR)) {
            return GENERIC.readValue(json, GenericKubernetesResource.class);
        }
        Class<? extends HasMetadata> type = KINDS.get(key);
        if (type == null) {
            throw new IllegalArgumentException(name + ": a kind the chart is not expected to render (known: "
                    + KINDS.keySet().stream().sorted().toList() + ", " + SERVICE_MONITOR + ")");
        }
        try {
            return STRICT.readValue(json, type);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " does not deserialize strictly into " + type.getName() + ": "
                    + e.getMessage(), e);
        }
    }

    private static String key(Class<? extends HasMetadata> type) {
        return HasMetadata.getApiVersion(type) + "/" + HasMetadata.getKind(type);
    }

    List<HasMetadata> all() {
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The only object of this type; fails when there is none or more than one. */
    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size() + ": "
                    + found.stream().map(o -> o.getMetadata().getName()).toList());
        }
        return found.get(0);
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
    }

    List<GenericKubernetesResource> custom(String apiVersionAndKind) {
        return all(GenericKubernetesResource.class).stream()
                .filter(o -> (o.getApiVersion() + "/" + o.getKind()).equals(apiVersionAndKind))
                .toList();
    }

    Deployment deployment() {
        return one(Deployment.class);
    }

    /** The Meridian container of the Deployment. */
    Container meridian() {
        return container("meridian");
    }

    Container container(String name) {
        return deployment().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    /** The Meridian configuration the pods read: the ConfigMap key the container's --config names. */
    String meridianYaml() {
        List<String> args = meridian().getArgs();
        String configFile = args.get(args.indexOf("--config") + 1);
        MountedFile file = mountedFile(meridian(), configFile)
                .orElseThrow(() -> new AssertionError(configFile + " is on no volume of the meridian container"));
        String configMap = file.volume().getConfigMap().getName();
        String data = named(ConfigMap.class, configMap)
                .orElseThrow(() -> new AssertionError("the volume names ConfigMap " + configMap + ", which is not rendered"))
                .getData()
                .get(file.relative());
        if (data == null) {
            throw new AssertionError("ConfigMap " + configMap + " has no key " + file.relative());
        }
        return data;
    }

    /**
     * The environment the Meridian container starts with: literal values, and values from Secrets
     * (decoded from the rendered Secret, or {@code <secret>/<key>} for a Secret the chart expects
     * to exist). {@code extraEnv} forms the chart cannot resolve fail.
     */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : meridian().getEnv()) {
            env.put(var.getName(), resolve(var));
        }
        return env;
    }

    private String resolve(EnvVar var) {
        if (var.getValueFrom() == null) {
            return var.getValue() == null ? "" : var.getValue();
        }
        SecretKeySelector ref = var.getValueFrom().getSecretKeyRef();
        if (ref == null) {
            throw new AssertionError(var.getName() + ": only literal values and secretKeyRef are resolved here");
        }
        return secretValue(ref.getName(), ref.getKey());
    }

    /** The value under {@code key} of a rendered Secret, or a stand-in for a Secret that is not rendered. */
    String secretValue(String secret, String key) {
        Optional<Secret> rendered = named(Secret.class, secret);
        if (rendered.isEmpty()) {
            return "external:" + secret + "/" + key;
        }
        String encoded = rendered.get().getData() == null ? null : rendered.get().getData().get(key);
        if (encoded == null) {
            throw new AssertionError("Secret " + secret + " has no key " + key);
        }
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }

    /** Where {@code path} lives for {@code container}: the deepest volume mount that holds it. */
    Optional<MountedFile> mountedFile(Container container, String path) {
        List<Volume> volumes = deployment().getSpec().getTemplate().getSpec().getVolumes();
        return container.getVolumeMounts().stream()
                .filter(m -> path.startsWith(m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/"))
                .max(Comparator.comparingInt(m -> m.getMountPath().length()))
                .map(m -> new MountedFile(m,
                        volumes.stream().filter(v -> v.getName().equals(m.getName())).findFirst()
                                .orElseThrow(() -> new AssertionError("mount " + m.getName() + " has no volume")),
                        path.substring(m.getMountPath().length()).replaceFirst("^/", "")));
    }

    /** A file path on a volume: the mount, its volume, and the path inside the volume. */
    record MountedFile(VolumeMount mount, Volume volume, String relative) {

        boolean writable() {
            return !Boolean.TRUE.equals(mount.getReadOnly())
                    && (volume.getEmptyDir() != null
                            || (volume.getPersistentVolumeClaim() != null
                                    && !Boolean.TRUE.equals(volume.getPersistentVolumeClaim().getReadOnly())));
        }
    }

    /**
     * Turns off fabric8's {@code @JsonAnySetter additionalProperties}, so that unknown fields fail
     * instead of being kept.
     */
    private static final class NoAnySetter extends JacksonAnnotationIntrospector {

        @Override
        public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
            return Boolean.FALSE;
        }
    }
}
