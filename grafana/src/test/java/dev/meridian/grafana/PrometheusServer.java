package dev.meridian.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Prometheus process on loopback, with a configuration and TSDB in a temporary directory,
 * queried through its HTTP API. Closing it stops it (SIGTERM, then SIGKILL after a bounded wait).
 */
final class PrometheusServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PrometheusServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int START_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Process process;
    private final int port;
    private final Path logFile;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private PrometheusServer(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /**
     * The configuration: one job, {@code meridian}, scraping {@code target}'s {@code /metrics}
     * every second with a bearer token, and {@code ruleFiles} evaluated every second.
     */
    static String config(String target, String bearerToken, List<Path> ruleFiles) {
        StringBuilder yaml = new StringBuilder()
                .append("global:\n")
                .append("  scrape_interval: 1s\n")
                .append("  scrape_timeout: 1s\n")
                .append("  evaluation_interval: 1s\n")
                .append("rule_files:\n");
        for (Path file : ruleFiles) {
            yaml.append("  - ").append(quoted(file.toAbsolutePath().toString())).append('\n');
        }
        return yaml.append("scrape_configs:\n")
                .append("  - job_name: meridian\n")
                .append("    metrics_path: /metrics\n")
                .append("    authorization:\n")
                .append("      type: Bearer\n")
                .append("      credentials: ").append(quoted(bearerToken)).append('\n')
                .append("    static_configs:\n")
                .append("      - targets: [").append(quoted(target)).append("]\n")
                .toString();
    }

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * Writes {@code configYaml} to {@code dir/prometheus.yml} and starts {@code prometheus} on a
     * free loopback port, returning once it answers {@code /-/ready}. A port taken between choosing
     * and binding it is retried with another, at most {@value #START_ATTEMPTS} times.
     */
    static PrometheusServer start(ExternalProgram prometheus, Path dir, String configYaml) {
        Path config = dir.resolve("prometheus.yml");
        try {
            Files.createDirectories(dir);
            Files.writeString(config, configYaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> failures = new ArrayList<>();
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path logFile = dir.resolve("prometheus-" + attempt + ".log");
            List<String> command = List.of(prometheus.path().toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data-" + attempt),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=info");
            Process process;
            try {
                process = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(logFile.toFile())
                        .start();
            } catch (IOException e) {
                throw new AssertionError("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
            }
            PrometheusServer server = new PrometheusServer(process, port, logFile);
            try {
                Awaitility.await("prometheus ready on 127.0.0.1:" + port)
                        .atMost(READY_TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> !process.isAlive() || server.ready());
            } catch (ConditionTimeoutException e) {
                server.close();
                throw new AssertionError("prometheus did not become ready within " + READY_TIMEOUT + "; its log:\n"
                        + ExternalProgram.read(logFile), e);
            }
            if (process.isAlive()) {
                log.info("prometheus {} on 127.0.0.1:{} (pid {}), config {}", prometheus.path(), port, process.pid(), config);
                return server;
            }
            String output = ExternalProgram.read(logFile);
            failures.add("attempt " + attempt + " (port " + port + "), exit code " + process.exitValue() + ":\n" + output);
            if (!output.toLowerCase(Locale.ROOT).contains("address already in use")) {
                break;
            }
        }
        throw new AssertionError("prometheus did not start:\n" + String.join("\n", failures)
                + "\nits configuration (" + config + "):\n" + configYaml);
    }

    /** A port nobody listened on a moment ago (bind port 0, close); it can be taken again before use. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean ready() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri("/-/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /**
     * An instant query ({@code /api/v1/query}) evaluated now: its {@code data.result} array (each
     * element has {@code metric} labels and a {@code value} of {@code [time, "number"]}).
     */
    JsonNode query(String promql) {
        HttpRequest request = HttpRequest.newBuilder(uri("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("prometheus query " + promql + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("prometheus query " + promql + ": not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
        if (response.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new AssertionError("prometheus query " + promql + ": " + response.statusCode() + " " + response.body());
        }
        return body.path("data").path("result");
    }

    /** What Prometheus logged so far, for failure messages. */
    String log() {
        return ExternalProgram.read(logFile);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            ExternalProgram.stop(process, STOP_GRACE);
        }
    }
}
