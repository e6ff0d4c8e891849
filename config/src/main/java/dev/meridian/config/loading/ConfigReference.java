package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import static java.util.Objects.requireNonNull;

/**
 * The configuration reference ({@code src/docs/configuration.md}), generated from the shipped JSON
 * Schema so that the documentation cannot drift from what the loader accepts: every key, its
 * type, default, allowed values and description come from the schema; only the introduction is
 * written here. A test fails when the committed file differs from {@link #markdown()}.
 *
 * <pre>{@code
 * ./mvnw -pl config test -Dmeridian.docs.regenerate=true   # rewrites src/docs/configuration.md
 * }</pre>
 */
public final class ConfigReference {

    /** Classpath location of the JSON Schema (draft 2020-12). */
    public static final String SCHEMA_RESOURCE = ConfigSchema.RESOURCE;

    /** Where the example and the problems in the introduction pretend to come from. */
    private static final String SAMPLE_FILE = "meridian.yaml";

    /** A file with typical mistakes; its problems are shown in the introduction exactly as the loader reports them. */
    private static final String SAMPLE = """
            listen:
              prot: 8080
            timeouts:
              first-byte: 10 seconds
            regions:
              - name: us-east4
                endpoints: ["http://10.1.0.5:5052"]
              - name: us-east4
                weight: 2000
                endpoints: ["ftp://10.2.0.5"]
            """;

    private static final String INTRO = """
            Meridian reads one YAML file, given with `meridian run --config FILE`. Every key is optional \
            except `regions`; a key that is left out takes the default listed below. A complete, commented \
            example is [`src/examples/meridian.yaml`](../examples/meridian.yaml); the JSON Schema this page \
            is generated from ships in the config module as `%s` and can be used by editors for completion.

            ## Validating a file

            `meridian validate --config FILE` checks a file without starting anything. It exits with status 0 \
            when the file is valid. Otherwise it prints every problem, not just the first, one per line as \
            `FILE:LINE:COL: message` (the format compilers use, so editors and CI logs link to the spot), and \
            exits with status 2. Each message names the key path, what is wrong, what was found and what was \
            expected. For this file:

            ```yaml
            %s```

            it prints:

            ```
            %s
            ```

            Checked: YAML syntax, duplicate keys, unknown keys, types, ranges and allowed values, durations, \
            sizes, endpoint URLs, CIDR ranges, IP addresses, names, duplicate region, route and token names, \
            duplicate endpoints and path prefixes, and unset environment variables. `meridian run` performs the \
            same checks and refuses to start on any problem.

            ## Durations

            An integer and a unit: `ms`, `s`, `m` or `h`, as in `250ms`, `2s`, `1m`, `10m`. Fractions (`1.5s`), \
            compound forms (`1m30s`) and spaces are refused. A bare `0` is refused too, because it could mean \
            either "zero" or "disabled": timeouts cannot be disabled and must be positive; \
            `server.shutdown-grace`, `routing.tie-band` and `routing.hysteresis` accept `0s`; `geo.reload-interval` \
            is at least `10ms`.

            ## Sizes

            A plain integer is a number of bytes; otherwise an integer and a binary unit: `KiB` (1024 bytes), \
            `MiB` or `GiB`, as in `8KiB`, `16MiB`. Decimal units (`KB`, `MB`) are refused rather than guessed, \
            because `16MB` and `16MiB` differ by five percent.

            ## Environment variables

            `${NAME}` anywhere in a value is replaced by the environment variable `NAME`: use it for secrets \
            (`token: "${MERIDIAN_ADMIN_TOKEN}"`) and for values that differ per host. A variable that is not \
            set is an error at that value's position; a variable set to the empty string substitutes nothing. \
            `$${` is a literal `${`. An unquoted value that is exactly one reference takes the type YAML gives \
            the substituted text, so `port: ${PORT}` is a number; quoted (`port: "${PORT}"`) it stays a string \
            and is refused. Inside a flow collection (`{...}` or `[...]`) braces are YAML syntax, so write a \
            typed reference in block style (`port: ${PORT}` on a line of its own). Substituted text is not \
            scanned again, and keys are never substituted.

            """;

    private ConfigReference() {}

    /** The JSON Schema of the configuration file, as shipped. */
    public static String schema() {
        return ConfigSchema.get().text();
    }

    /** The complete reference as Markdown: the introduction, then every key, then the value types. */
    public static String markdown() {
        ConfigSchema schema = ConfigSchema.get();
        JsonNode root = schema.tree();
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n");
        out.append("<!-- Generated from config/src/main/resources").append(SCHEMA_RESOURCE)
                .append(" by ").append(ConfigReference.class.getName()).append(". Do not edit: change the schema, then run\n")
                .append("     ./mvnw -pl config test -Dmeridian.docs.regenerate=true -->\n\n");
        out.append(String.format(INTRO, SCHEMA_RESOURCE.substring(1), SAMPLE, sampleProblems()));

        out.append("## Keys\n\n");
        List<String> required = strings(root.path("required"));
        for (Map.Entry<String, JsonNode> section : root.path("properties").properties()) {
            String key = section.getKey();
            JsonNode node = schema.resolved(section.getValue());
            out.append("### `").append(key).append("`\n\n");
            out.append(text(node, "description"));
            if (node.path("type").asText("").equals("array")) {
                String constraints = allowed(section.getValue(), node);
                out.append(" A list").append(required.contains(key) ? ", required" : "")
                        .append(constraints.isEmpty() ? "" : " (" + constraints + ")")
                        .append(node.has("default") ? ", by default `" + literal(node.get("default")) + "`" : "")
                        .append("; each item has these keys:");
            } else if (required.contains(key)) {
                out.append(" Required.");
            }
            out.append("\n\n");
            out.append("| Key | Type | Default | Allowed values | Description |\n");
            out.append("|---|---|---|---|---|\n");
            List<Row> rows = new ArrayList<>();
            collect(schema, node, key, required.contains(key), true, rows);
            for (Row row : rows) {
                out.append("| `").append(row.key()).append("` | ").append(cell(row.type())).append(" | ")
                        .append(cell(row.defaultValue())).append(" | ").append(cell(row.allowed())).append(" | ")
                        .append(cell(row.description())).append(" |\n");
            }
            out.append('\n');
        }

        out.append("## Value types\n\n");
        for (Map.Entry<String, JsonNode> def : root.path("$defs").properties()) {
            JsonNode node = def.getValue();
            out.append("### ").append(def.getKey()).append("\n\n");
            out.append(text(node, "description")).append("\n\n");
            if (node.has("pattern")) {
                out.append("Pattern: ").append(code(node.get("pattern").asText())).append("\n\n");
            }
        }
        return out.toString().stripTrailing() + "\n";
    }

    private record Row(String key, String type, String defaultValue, String allowed, String description) {
    }

    private static void collect(ConfigSchema schema, JsonNode raw, String key, boolean required, boolean section, List<Row> rows) {
        JsonNode node = schema.resolved(raw);
        String type = node.path("type").asText("");
        if (type.equals("object") && node.has("properties")) {
            if (!section) {
                rows.add(row(raw, node, key, required));
            }
            List<String> requiredKeys = strings(node.path("required"));
            for (Map.Entry<String, JsonNode> p : node.path("properties").properties()) {
                collect(schema, p.getValue(), key + "." + p.getKey(), requiredKeys.contains(p.getKey()), false, rows);
            }
        } else if (type.equals("array") && schema.resolved(node.path("items")).has("properties")) {
            if (!section) {
                rows.add(row(raw, node, key, required));
            }
            JsonNode items = schema.resolved(node.path("items"));
            List<String> requiredKeys = strings(items.path("required"));
            for (Map.Entry<String, JsonNode> p : items.path("properties").properties()) {
                collect(schema, p.getValue(), key + "[]." + p.getKey(), requiredKeys.contains(p.getKey()), false, rows);
            }
        } else {
            rows.add(row(raw, node, key, required));
        }
    }

    private static Row row(JsonNode raw, JsonNode node, String key, boolean required) {
        String defaultValue = required ? "required" : node.has("default") ? "`" + literal(node.get("default")) + "`" : "";
        return new Row(key, typeOf(raw, node), defaultValue, allowed(raw, node), text(node, "description"));
    }

    private static String typeOf(JsonNode raw, JsonNode node) {
        JsonNode ref = raw.get("$ref");
        if (ref != null) {
            String def = ref.asText().substring(ref.asText().lastIndexOf('/') + 1);
            return "[" + def + "](#" + def + ")"; // the heading of the value type
        }
        JsonNode types = node.path("type");
        if (types.isArray()) { // slo-controller.mode: a string, or the false YAML makes of an unquoted off
            List<String> names = new ArrayList<>();
            types.forEach(t -> names.add(t.asText()));
            return String.join(" or ", names);
        }
        String type = types.asText("");
        return switch (type) {
            case "object" -> "mapping";
            case "array" -> {
                JsonNode items = node.path("items");
                String itemType = items.has("$ref") || !items.path("type").asText("").equals("object")
                        ? typeOf(items, items)
                        : "mapping";
                yield "list of " + (itemType.equals("mapping") ? "mappings" : itemType.startsWith("[") ? itemType : itemType + "s");
            }
            default -> type;
        };
    }

    private static String allowed(JsonNode raw, JsonNode node) {
        List<String> parts = new ArrayList<>();
        if (node.has("enum")) {
            List<String> values = new ArrayList<>();
            node.get("enum").forEach(v -> values.add("`" + v.asText() + "`"));
            parts.add(String.join(", ", values));
        }
        String range = SchemaCheck.range(node.get("minimum"), node.get("exclusiveMinimum"), node.get("maximum"));
        if (!range.isEmpty()) {
            parts.add(range);
        }
        if (node.has("minItems")) {
            int n = node.get("minItems").asInt();
            parts.add("at least " + n + (n == 1 ? " item" : " items"));
        }
        if (node.has("pattern") && !raw.has("$ref")) {
            parts.add("pattern `" + node.get("pattern").asText() + "`");
        }
        JsonNode items = node.path("items");
        if (items.isObject() && !items.has("properties") && !items.has("$ref")) {
            String each = allowed(items, items);
            if (!each.isEmpty()) {
                parts.add("each: " + each);
            }
        }
        return String.join("; ", parts);
    }

    /** Inline code that may itself contain backticks (CommonMark: a longer fence, padded with spaces). */
    private static String code(String text) {
        return text.contains("`") ? "`` " + text + " ``" : "`" + text + "`";
    }

    private static String literal(JsonNode value) {
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).asText("");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    /** A table cell: pipes escaped, one line, never empty (an empty cell is easy to misread as a rendering bug). */
    private static String cell(String text) {
        String escaped = text.replace("|", "\\|").replace("\n", " ");
        return escaped.isEmpty() ? "-" : escaped;
    }

    private static String sampleProblems() {
        try {
            ConfigLoader.create().withEnvironment(Map.of()).parse(SAMPLE, SAMPLE_FILE);
            throw new IllegalStateException("the sample in ConfigReference must have problems");
        } catch (ConfigException e) {
            return requireNonNull(e.getMessage(), "message");
        }
    }
}
