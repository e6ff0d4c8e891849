package dev.meridian.loadtest.load;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The requests a load run sends, each picked at random in proportion to its weight.
 *
 * <pre>{@code
 * RequestMix one = RequestMix.single("POST", "/v2/code/completions",
 *         Map.of("Content-Type", "application/json"), "{\"prompt\": \"def f\"}");
 * RequestMix file = RequestMix.fromFile(Path.of("mix.yaml"));   // or mix.jsonl
 * }</pre>
 *
 * <p>A mix file is YAML (a list of entries) or JSON lines (one entry per line), each entry with
 * {@code method} (default {@code GET}), {@code path}, {@code headers}, {@code body} (text, or a
 * YAML/JSON object sent as compact JSON) or {@code bodyFile} (relative to the mix file), and
 * {@code weight} (default 1). Every problem in a file is reported at once, one
 * {@code FILE:LINE: entry N: message} line each. The format is described in
 * {@code src/docs/loadgen.md}.
 *
 * <p>Picking is deterministic for a given random generator, so a seeded run sends the same
 * sequence of requests.
 */
public final class RequestMix {

    private final List<RequestTemplate> templates;
    private final double[] cumulativeWeights;

    private RequestMix(List<RequestTemplate> templates) {
        this.templates = List.copyOf(templates);
        this.cumulativeWeights = new double[this.templates.size()];
        double sum = 0;
        for (int i = 0; i < this.templates.size(); i++) {
            sum += this.templates.get(i).weight();
            cumulativeWeights[i] = sum;
        }
    }

    /**
     * A mix of these templates.
     *
     * @throws IllegalArgumentException when the list is empty
     */
    public static RequestMix of(List<RequestTemplate> templates) {
        requireNonNull(templates, "templates");
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("templates: empty (expected: at least one request)");
        }
        return new RequestMix(templates);
    }

    /** A mix of one request with a UTF-8 body ({@code ""} for none). */
    public static RequestMix single(String method, String path, Map<String, String> headers, String body) {
        return of(List.of(RequestTemplate.of(method, path, headers, body)));
    }

    /** A mix of one request. */
    public static RequestMix single(String method, String path, Map<String, String> headers, byte[] body) {
        return of(List.of(RequestTemplate.of(method, path, headers, body, 1)));
    }

    /** {@code GET path} without headers or body. */
    public static RequestMix get(String path) {
        return single("GET", path, Map.of(), new byte[0]);
    }

    /**
     * Reads a mix file: YAML ({@code .yaml}, {@code .yml}, or anything that does not start with
     * {@code {}) or JSON lines ({@code .jsonl}, {@code .ndjson}, or a file starting with {@code {}).
     *
     * @throws IllegalArgumentException listing every problem, one {@code FILE:LINE: message} line each
     * @throws java.io.UncheckedIOException when the file (or a {@code bodyFile}) cannot be read
     */
    public static RequestMix fromFile(Path file) {
        return RequestMixParser.parse(file);
    }

    /** The templates, in file order. */
    public List<RequestTemplate> templates() {
        return templates;
    }

    /** A template chosen with probability {@code weight / total weight}. */
    public RequestTemplate pick(RandomGenerator random) {
        return templates.get(pickIndex(random));
    }

    /** The index of a template chosen with probability {@code weight / total weight}. */
    int pickIndex(RandomGenerator random) {
        if (cumulativeWeights.length == 1) {
            return 0;
        }
        double total = cumulativeWeights[cumulativeWeights.length - 1];
        double point = random.nextDouble() * total;
        int index = Arrays.binarySearch(cumulativeWeights, point);
        // binarySearch gives -(insertion point) - 1 when absent: the first cumulative weight above point.
        index = index >= 0 ? index + 1 : -index - 1;
        return Math.min(index, cumulativeWeights.length - 1);
    }

    /** {@code GET /monitoring/healthz} for one template, else {@code 3 requests: ...}. */
    @Override
    public String toString() {
        if (templates.size() == 1) {
            RequestTemplate only = templates.get(0);
            return only.method() + " " + only.path();
        }
        StringBuilder text = new StringBuilder().append(templates.size()).append(" requests:");
        for (RequestTemplate template : templates) {
            text.append(' ').append(template.method()).append(' ').append(template.path())
                    .append(" x").append(RequestTemplate.formatWeight(template.weight())).append(',');
        }
        text.setLength(text.length() - 1);
        return text.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RequestMix that && templates.equals(that.templates);
    }

    @Override
    public int hashCode() {
        return templates.hashCode();
    }
}
