package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestMixTest {

    @TempDir
    Path directory;

    @Test
    void weightsAreRespectedOverManyDraws() {
        RequestMix mix = RequestMix.of(List.of(
                RequestTemplate.of("POST", "/v2/code/completions", Map.of(), new byte[0], 8),
                RequestTemplate.of("POST", "/v4/code/suggestions", Map.of(), new byte[0], 1.5),
                RequestTemplate.of("GET", "/monitoring/healthz", Map.of(), new byte[0], 0.5)));
        SplittableRandom random = new SplittableRandom(42);
        int draws = 100_000;
        int[] counts = new int[3];
        for (int i = 0; i < draws; i++) {
            counts[mix.pickIndex(random)]++;
        }

        assertThat(counts[0] / (double) draws).isCloseTo(0.80, within(0.01));
        assertThat(counts[1] / (double) draws).isCloseTo(0.15, within(0.01));
        assertThat(counts[2] / (double) draws).isCloseTo(0.05, within(0.01));
    }

    @Test
    void theSameSeedPicksTheSameSequence() {
        RequestMix mix = RequestMix.of(List.of(
                RequestTemplate.of("GET", "/a", Map.of(), new byte[0], 1),
                RequestTemplate.of("GET", "/b", Map.of(), new byte[0], 1)));
        SplittableRandom first = new SplittableRandom(7);
        SplittableRandom second = new SplittableRandom(7);
        for (int i = 0; i < 100; i++) {
            assertThat(mix.pickIndex(first)).isEqualTo(mix.pickIndex(second));
        }
    }

    @Test
    void yamlFileWithHeadersBodiesAndBodyFiles() throws IOException {
        Files.writeString(directory.resolve("prompt.json"), "{\"prompt\": \"from a file\"}");
        Path file = write("mix.yaml", """
                # completions dominate
                - method: POST
                  path: /v2/code/completions
                  headers: {Content-Type: application/json, X-Sim-Chunks: 10}
                  body: {prompt: "def f", max_tokens: 16}
                  weight: 8
                - method: post
                  path: /v4/code/suggestions
                  bodyFile: prompt.json
                - path: /monitoring/healthz
                  weight: 0.5
                """);

        RequestMix mix = RequestMix.fromFile(file);

        assertThat(mix.templates()).hasSize(3);
        RequestTemplate completions = mix.templates().get(0);
        assertThat(completions.method()).isEqualTo("POST");
        assertThat(completions.headers()).containsEntry("Content-Type", "application/json").containsEntry("X-Sim-Chunks", "10");
        assertThat(new String(completions.body(), UTF_8)).as("a mapping body is sent as compact JSON")
                .isEqualTo("{\"prompt\":\"def f\",\"max_tokens\":16}");
        assertThat(completions.weight()).isEqualTo(8);
        assertThat(mix.templates().get(1).method()).isEqualTo("POST");
        assertThat(new String(mix.templates().get(1).body(), UTF_8)).isEqualTo("{\"prompt\": \"from a file\"}");
        assertThat(mix.templates().get(1).weight()).as("default weight").isEqualTo(1);
        assertThat(mix.templates().get(2).method()).as("default method").isEqualTo("GET");
    }

    @Test
    void jsonLinesFile() throws IOException {
        Path file = write("mix.jsonl", """
                {"method": "POST", "path": "/v2/completions", "body": "{}", "weight": 3}

                # a comment
                {"path": "/monitoring/healthz", "headers": {"X-Request-ID": "load"}}
                """);

        RequestMix mix = RequestMix.fromFile(file);

        assertThat(mix.templates()).extracting(RequestTemplate::path).containsExactly("/v2/completions", "/monitoring/healthz");
        assertThat(mix.templates().get(1).headers()).containsEntry("X-Request-ID", "load");
    }

    @Test
    void everyProblemInAYamlFileIsReportedWithItsLineAndEntry() throws IOException {
        Path file = write("bad.yaml", """
                - method: POST
                  path: /v2/code/completions
                  wieght: 2
                - method: GET
                  weight: -1
                - path: no-slash
                  body: x
                  bodyFile: also.json
                - path: /ok
                  bodyFile: missing.json
                """);

        assertThatThrownBy(() -> RequestMix.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ":1: entry 1: unknown key 'wieght' (did you mean 'weight'?)")
                .hasMessageContaining(file + ":4: entry 2: path: missing")
                .hasMessageContaining(file + ":4: entry 2: weight: -1 (expected: a number > 0)")
                .hasMessageContaining(file + ":6: entry 3: body and bodyFile: give one of them, not both")
                .hasMessageContaining(file + ":9: entry 4: bodyFile: ")
                .hasMessageContaining("missing.json: no such file");
    }

    @Test
    void badJsonLineIsReportedWithItsLine() throws IOException {
        Path file = write("bad.jsonl", """
                {"path": "/a"}
                {"path": "/b",
                {"path": "/c", "method": "G E T"}
                """);

        assertThatThrownBy(() -> RequestMix.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ":2: entry 2: not valid JSON")
                .hasMessageContaining(file + ":3: entry 3: method: 'G E T'");
    }

    @Test
    void yamlThatIsNotAListSaysWhatIsExpected() throws IOException {
        Path file = write("map.yaml", "path: /v2/code/completions\nmethod: POST\n");

        assertThatThrownBy(() -> RequestMix.fromFile(file))
                .hasMessageContaining(file + ":1: expected a list of requests")
                .hasMessageContaining("put '- ' before each request");
    }

    @Test
    void yamlSyntaxErrorHasItsPosition() throws IOException {
        Path file = write("broken.yaml", "- path: /a\n  headers: {a: b\n");

        assertThatThrownBy(() -> RequestMix.fromFile(file)).hasMessageStartingWith(file + ":").hasMessageContaining("not valid YAML");
    }

    @Test
    void emptyAndMissingFiles() throws IOException {
        Path empty = write("empty.yaml", "# nothing\n");

        assertThatThrownBy(() -> RequestMix.fromFile(empty)).hasMessageContaining("no requests");
        assertThatThrownBy(() -> RequestMix.fromFile(directory.resolve("absent.yaml"))).hasMessageContaining("no such file");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(directory.resolve(name), content);
    }
}
