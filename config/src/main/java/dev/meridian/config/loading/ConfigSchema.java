package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON Schema shipped in this module, loaded once: as text (to hand out), as a tree (to look
 * up descriptions, ranges and defaults) and as a compiled validator.
 */
final class ConfigSchema {

    /** Classpath location of the schema. */
    public static final String RESOURCE = "/dev/meridian/config/meridian-config.schema.json";

    private static final class Holder {
        static final ConfigSchema INSTANCE = load();
    }

    private final String text;
    private final JsonNode tree;
    private final Schema validator;

    private ConfigSchema(String text, JsonNode tree, Schema validator) {
        this.text = text;
        this.tree = tree;
        this.validator = validator;
    }

    /** The schema; loaded and compiled on first use (a few milliseconds), then shared: validators are thread-safe. */
    public static ConfigSchema get() {
        return Holder.INSTANCE;
    }

    public String text() {
        return text;
    }

    public JsonNode tree() {
        return tree;
    }

    Schema validator() {
        return validator;
    }

    /**
     * The node at a path of keys and indexes inside the schema document, e.g. the elements of
     * {@code /properties/listen/properties/port/maximum}; {@code null} when there is none.
     */
    public @Nullable JsonNode at(List<Object> elements) {
        JsonNode node = tree;
        for (Object e : elements) {
            node = e instanceof Integer i ? node.get(i) : node.get((String) e);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /**
     * A property schema with its {@code $ref} (to {@code #/$defs/...}) merged in: the referenced
     * definition's keywords, overridden by the property's own.
     */
    public JsonNode resolved(JsonNode property) {
        JsonNode ref = property.get("$ref");
        if (ref == null || !ref.isTextual() || !ref.textValue().startsWith("#/$defs/")) {
            return property;
        }
        JsonNode def = tree.path("$defs").path(ref.textValue().substring("#/$defs/".length()));
        if (!def.isObject()) {
            return property;
        }
        ObjectNode merged = ((ObjectNode) def).deepCopy();
        for (Map.Entry<String, JsonNode> field : property.properties()) {
            merged.set(field.getKey(), field.getValue());
        }
        merged.remove("$ref");
        return merged;
    }

    private static ConfigSchema load() {
        String text;
        try (InputStream in = ConfigSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RESOURCE);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        JsonNode tree;
        try {
            tree = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("invalid JSON in " + RESOURCE, e);
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().locale(Locale.ENGLISH).build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12, builder -> builder.schemaRegistryConfig(config));
        Schema validator = registry.getSchema(text, InputFormat.JSON);
        validator.initializeValidators();
        return new ConfigSchema(text, tree, validator);
    }
}
