package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a request-mix file (YAML list or JSON lines) into a {@link RequestMix}, collecting every
 * problem with its line before failing, the way {@code meridian validate} reports configuration
 * problems.
 */
final class RequestMixParser {

    static final Set<String> KEYS = Set.of("method", "path", "headers", "body", "bodyFile", "weight");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path file;
    private final List<String> problems = new ArrayList<>();
    private final List<RequestTemplate> templates = new ArrayList<>();

    private RequestMixParser(Path file) {
        this.file = file;
    }

    static RequestMix parse(Path file) {
        RequestMixParser parser = new RequestMixParser(file);
        String text;
        try {
            text = Files.readString(file, UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the request mix: " + e.getMessage(), e);
        }
        if (isJsonLines(file, text)) {
            parser.parseJsonLines(text);
        } else {
            parser.parseYaml(text);
        }
        if (parser.problems.isEmpty() && parser.templates.isEmpty()) {
            parser.problems.add(file + ": no requests (expected: at least one entry with a path)");
        }
        if (!parser.problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", parser.problems));
        }
        return RequestMix.of(parser.templates);
    }

    private static boolean isJsonLines(Path file, String text) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return true;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return false;
        }
        return text.stripLeading().startsWith("{");
    }

    /** One JSON object per line; blank lines and lines starting with {@code #} or {@code //} are skipped. */
    private void parseJsonLines(String text) {
        String[] lines = text.split("\r?\n", -1);
        int entry = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("//")) {
                continue;
            }
            entry++;
            int lineNumber = i + 1;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                problem(lineNumber, entry, "not valid JSON: " + e.getOriginalMessage());
                continue;
            }
            addEntry(node, lineNumber, entry);
        }
    }

    /** A YAML sequence of mappings (JSON arrays are YAML too). */
    private void parseYaml(String text) {
        try (JsonParser parser = YAML.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return;
            }
            if (first != JsonToken.START_ARRAY) {
                problems.add(file + ":" + line(parser.currentTokenLocation())
                        + ": expected a list of requests (each '- method: ..., path: ...'), found "
                        + describe(first));
                return;
            }
            int entry = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                entry++;
                int lineNumber = line(parser.currentTokenLocation());
                JsonNode node = YAML.readTree(parser);
                addEntry(node, lineNumber, entry);
            }
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : ":" + location.getLineNr() + ":" + location.getColumnNr();
            problems.add(file + where + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private void addEntry(JsonNode node, int line, int entry) {
        if (!node.isObject()) {
            problem(line, entry, "expected a mapping with method, path, headers, body or bodyFile, weight; found "
                    + node.getNodeType().name().toLowerCase(Locale.ROOT));
            return;
        }
        int before = problems.size();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            if (!KEYS.contains(name)) {
                problem(line, entry, "unknown key '" + name + "'" + suggestion(name)
                        + " (expected: method, path, headers, body, bodyFile, weight)");
            }
        }
        String method = text(node, "method", line, entry);
        String path = text(node, "path", line, entry);
        if (path == null && !node.has("path")) {
            problem(line, entry, "path: missing (expected: e.g. /v2/code/completions)");
        }
        Map<String, String> headers = headers(node.get("headers"), line, entry);
        byte[] body = body(node, line, entry);
        double weight = 1;
        JsonNode weightNode = node.get("weight");
        if (weightNode != null && !weightNode.isNull()) {
            weight = weightNode.isNumber() ? weightNode.doubleValue() : Double.NaN;
            if (!(weight > 0) || Double.isInfinite(weight)) {
                problem(line, entry, "weight: " + (weightNode.isTextual() ? "'" + weightNode.asText() + "'" : weightNode.asText())
                        + " (expected: a number > 0)");
            }
        }
        if (problems.size() > before || path == null) {
            return;
        }
        try {
            templates.add(RequestTemplate.of(method == null ? "GET" : method, path, headers, body, weight));
        } catch (IllegalArgumentException e) {
            problem(line, entry, e.getMessage());
        }
    }

    private @Nullable String text(JsonNode node, String key, int line, int entry) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode()) {
            problem(line, entry, key + ": expected text, found " + value.getNodeType().name().toLowerCase(Locale.ROOT));
            return null;
        }
        return value.asText();
    }

    private Map<String, String> headers(@Nullable JsonNode node, int line, int entry) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return headers;
        }
        if (!node.isObject()) {
            problem(line, entry, "headers: expected a mapping of names to values, e.g. {Content-Type: application/json}");
            return headers;
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                problem(line, entry, "headers." + field.getKey() + ": expected a text value");
                continue;
            }
            headers.put(field.getKey(), field.getValue().asText());
        }
        return headers;
    }

    private byte[] body(JsonNode node, int line, int entry) {
        JsonNode body = node.get("body");
        JsonNode bodyFile = node.get("bodyFile");
        boolean hasBody = body != null && !body.isNull();
        boolean hasBodyFile = bodyFile != null && !bodyFile.isNull();
        if (hasBody && hasBodyFile) {
            problem(line, entry, "body and bodyFile: give one of them, not both");
            return new byte[0];
        }
        if (hasBody) {
            if (body.isContainerNode()) {
                try {
                    return JSON.writeValueAsBytes(body);
                } catch (JsonProcessingException e) {
                    problem(line, entry, "body: cannot be written as JSON: " + e.getOriginalMessage());
                    return new byte[0];
                }
            }
            return body.asText().getBytes(UTF_8);
        }
        if (hasBodyFile) {
            if (!bodyFile.isTextual()) {
                problem(line, entry, "bodyFile: expected a file name");
                return new byte[0];
            }
            Path directory = file.toAbsolutePath().getParent();
            Path bodyPath = directory == null ? Path.of(bodyFile.asText()) : directory.resolve(bodyFile.asText());
            try {
                long size = Files.size(bodyPath);
                if (size > RequestTemplate.MAX_BODY_BYTES) {
                    problem(line, entry, "bodyFile: " + bodyPath + " has " + size + " bytes (expected: at most "
                            + RequestTemplate.MAX_BODY_BYTES + ")");
                    return new byte[0];
                }
                return Files.readAllBytes(bodyPath);
            } catch (NoSuchFileException e) {
                problem(line, entry, "bodyFile: " + bodyPath + ": no such file");
            } catch (IOException e) {
                problem(line, entry, "bodyFile: " + bodyPath + ": " + e.getMessage());
            }
        }
        return new byte[0];
    }

    private void problem(int line, int entry, @Nullable String message) {
        problems.add(file + ":" + line + ": entry " + entry + ": " + message);
    }

    private static int line(@Nullable JsonLocation location) {
        return location == null ? 1 : Math.max(1, location.getLineNr());
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "a mapping (put '- ' before each request)";
            case VALUE_STRING -> "text";
            default -> token.asString() == null ? token.name().toLowerCase(Locale.ROOT) : "'" + token.asString() + "'";
        };
    }

    /** {@code " (did you mean 'weight'?)"} for a near miss of a known key, else {@code ""}. */
    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : KEYS) {
            int distance = editDistance(name.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                bestDistance = distance;
                best = key;
            }
        }
        return best != null && bestDistance <= 2 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
