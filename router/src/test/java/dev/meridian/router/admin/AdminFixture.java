package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A real router and its admin API on loopback, started from a configuration file in a temporary
 * directory, and a real HTTP client (the JDK's) to call it. The regions point at loopback ports
 * nobody listens on, with probes off, so every endpoint counts as up.
 */
final class AdminFixture implements AutoCloseable {

    static final String WRITE_TOKEN = "write-secret-0123456789";
    static final String READ_TOKEN = "read-secret-0123456789";

    /** Two regions near each other (they share New York's traffic by weight) and one far away. */
    static final String REGIONS = """
            regions:
              - name: us-east4
                location: {lat: 39.04, lon: -77.49}
                endpoints: ["http://127.0.0.1:9"]
              - name: us-east1
                location: {lat: 33.20, lon: -80.01}
                endpoints: ["http://127.0.0.1:19", "http://127.0.0.1:20"]
              - name: europe-west2
                location: {lat: 51.51, lon: -0.13}
                endpoints: ["http://127.0.0.1:29"]
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path configFile;
    final MeridianServer router;
    final AdminServer admin;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminFixture(Path dir, Path configFile, MeridianServer router, AdminServer admin) {
        this.dir = dir;
        this.configFile = configFile;
        this.router = router;
        this.admin = admin;
    }

    /**
     * A router with the admin section every fixture uses (two tokens, the files next to the
     * configuration; {@code moreAdmin} are further lines of it) and no regions yet.
     */
    static RouterFixture.Builder fixture(String... moreAdmin) {
        List<String> admin = new ArrayList<>(List.of("address: 127.0.0.1", "port: 0", "tokens:",
                "  - {name: sre, token: " + WRITE_TOKEN + ", scope: write}",
                "  - {name: grafana, token: " + READ_TOKEN + ", scope: read}",
                "state-file: state.json", "audit-file: audit/admin.jsonl"));
        admin.addAll(List.of(moreAdmin));
        return RouterFixture.builder().set("admin", admin.toArray(String[]::new));
    }

    /** {@link #REGIONS}, the regions most admin tests use: loopback ports nobody listens on. */
    static RouterFixture.Builder withRegions(RouterFixture.Builder fixture) {
        return fixture.regionAt("us-east4", List.of("http://127.0.0.1:9"))
                .regionAt("us-east1", List.of("http://127.0.0.1:19", "http://127.0.0.1:20"))
                .regionAt("europe-west2", List.of("http://127.0.0.1:29"));
    }

    /** {@link #fixture()}'s text followed by {@code regions} as written (for tests about the text itself). */
    static String config(String regions) {
        return fixture().build().yaml() + regions;
    }

    /** Starts with the default regions in a new configuration file in {@code dir}. */
    static AdminFixture start(Path dir) {
        return start(dir, withRegions(fixture()));
    }

    /** Starts from {@code fixture} written to {@code dir/meridian.yaml}. */
    static AdminFixture start(Path dir, RouterFixture.Builder fixture) {
        return start(dir, fixture.build().yaml());
    }

    /** Writes {@code yaml} to {@code dir/meridian.yaml} and starts a router and its admin API from it. */
    static AdminFixture start(Path dir, String yaml) {
        Path configFile = dir.resolve("meridian.yaml");
        try {
            Files.writeString(configFile, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return startFrom(dir, configFile);
    }

    /** Starts from the configuration file already in {@code dir} (a restart). */
    static AdminFixture startFrom(Path dir, Path configFile) {
        MeridianServer router = MeridianServer.start(ConfigLoader.create().load(configFile));
        try {
            return new AdminFixture(dir, configFile, router, AdminServer.start(router, configFile));
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
    }

    Path stateFile() {
        return dir.resolve("state.json");
    }

    Path auditFile() {
        return dir.resolve("audit/admin.jsonl");
    }

    List<String> auditLines() throws IOException {
        return Files.exists(auditFile()) ? Files.readAllLines(auditFile()) : List.of();
    }

    /** Sends one request; {@code headers} are name, value pairs. */
    HttpResponse<String> send(String method, String path, @Nullable String token, @Nullable String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
    }

    HttpResponse<String> get(String path, @Nullable String token) {
        return send("GET", path, token, null);
    }

    HttpResponse<String> write(String method, String path, @Nullable String body, String... headers) {
        return send(method, path, WRITE_TOKEN, body, headers);
    }

    /** {@code GET /admin/regions} with the read token, as JSON. */
    JsonNode regions() {
        HttpResponse<String> response = get("/admin/regions", READ_TOKEN);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /admin/regions: " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    /** The region named {@code name} in a regions document. */
    static JsonNode region(JsonNode regions, String name) {
        for (JsonNode region : regions.path("regions")) {
            if (region.path("name").asText().equals(name)) {
                return region;
            }
        }
        throw new AssertionError("no region " + name + " in " + regions);
    }

    /** Asserts that {@code response} is the admin API's JSON error {@code status}/{@code error} whose detail contains {@code detailContains}. */
    static void assertError(HttpResponse<String> response, int status, String error, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("detail").asText()).contains(detailContains);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            router.close();
        }
    }
}
