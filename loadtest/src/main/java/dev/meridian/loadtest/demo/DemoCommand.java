package dev.meridian.loadtest.demo;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import dev.meridian.router.cli.TerminationSignals;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian demo}: three simulated regions with two replicas each and the router in front
 * of them, all on loopback, with an embedded configuration; sends a little traffic (including
 * streamed responses), prints where it went and how to try it by hand, and serves until Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start simulated regions and the router on loopback, send sample traffic, show where it goes.")
public final class DemoCommand implements Callable<Integer> {

    static final List<String> REGIONS = List.of("us-east4", "europe-west2", "asia-northeast1");

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "Router port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--admin-port", defaultValue = "9901",
            description = "Admin API port: /metrics, explain, weights (default ${DEFAULT-VALUE}; 0 = any free port).")
    int adminPort;

    @Option(names = "--requests", defaultValue = "30", description = "Sample completion requests to send (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--exit", description = "Exit after the sample traffic instead of serving until Ctrl-C.")
    boolean exitAfterTraffic;

    /** The admin token of this run, made up at start so that no demo token is ever well known. */
    private final String token = Long.toHexString(new java.security.SecureRandom().nextLong() | Long.MIN_VALUE);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<SimulatedGateway> gateways = new ArrayList<>();
        MeridianServer router = null;
        AdminServer admin = null;
        Path configDirectory = null;
        boolean handedOff = false;
        try {
            Map<String, String> ports = new HashMap<>();
            for (String region : REGIONS) {
                for (int replica = 1; replica <= 2; replica++) {
                    SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of(region + "-" + replica)
                            .withLatency(new LatencyModel(Duration.ofMillis(20), Duration.ofMillis(120))));
                    gateways.add(gateway);
                    ports.put(region.toUpperCase(Locale.ROOT).replace('-', '_') + "_" + replica,
                            Integer.toString(gateway.port()));
                }
            }
            configDirectory = Files.createTempDirectory("meridian-demo");
            Path configFile = configDirectory.resolve("demo.yaml");
            router = startRouter(ports, configDirectory, configFile, out);
            admin = AdminServer.start(router, configFile);
            int routerPort = router.port();
            String base = "http://127.0.0.1:" + routerPort;

            out.printf("%nMeridian demo: router on %s (%s), in front of:%n", base, router.transportName());
            for (SimulatedGateway gateway : gateways) {
                out.printf("  %-20s http://127.0.0.1:%-6d control: http://127.0.0.1:%d%n",
                        gateway.name(), gateway.port(), gateway.controlPort());
            }
            out.printf("%nStatus page (open it in a browser; the link signs you in, the token stays in that tab):%n  %s%n",
                    statusPage(admin));
            out.flush();

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            sendCompletions(client, base, out);
            streamSuggestions(client, base, out);
            tryItYourself(out, base, gateways.get(0), configDirectory, admin.address().getPort(), token, statusPage(admin));
            if (exitAfterTraffic) {
                return 0;
            }
            out.println("Serving until Ctrl-C.");
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            MeridianServer running = router;
            AdminServer runningAdmin = admin;
            Path directory = configDirectory;
            TerminationSignals.onTermination(() -> {
                out.println("Stopping: draining the router, then the simulated regions.");
                out.flush();
                running.drain(Duration.ofSeconds(5));
                runningAdmin.close();
                gateways.forEach(SimulatedGateway::close);
                deleteQuietly(directory);
                stopped.countDown();
            });
            handedOff = true;
            stopped.await();
            return 0;
        } finally {
            if (!handedOff) {
                if (admin != null) {
                    admin.close();
                }
                if (router != null) {
                    router.close();
                }
                gateways.forEach(SimulatedGateway::close);
                deleteQuietly(configDirectory);
            }
        }
    }

    /**
     * Writes the embedded configuration with the ports filled in to {@code configFile} (so that
     * {@code meridian explain} and {@code validate} can be tried on it) and starts the router from it.
     */
    private MeridianServer startRouter(Map<String, String> ports, Path directory, Path configFile, PrintWriter out)
            throws IOException {
        Map<String, String> values = new HashMap<>(ports);
        values.put("DEMO_ROUTER_PORT", Integer.toString(port));
        values.put("DEMO_DIR", directory.toString());
        values.put("DEMO_TOKEN", token);
        values.put("DEMO_ADMIN_PORT", Integer.toString(adminPort != 0 && isFree(adminPort) ? adminPort : 0));
        if (adminPort != 0 && values.get("DEMO_ADMIN_PORT").equals("0")) {
            out.printf("Port %d is taken; the admin API uses a free port instead.%n", adminPort);
        }
        try {
            return MeridianServer.start(writeConfig(values, configFile));
        } catch (IllegalStateException busy) {
            if (port == 0) {
                throw busy;
            }
            out.printf("Port %d is taken (%s); using a free port instead.%n", port, busy.getMessage());
            values.put("DEMO_ROUTER_PORT", "0");
            return MeridianServer.start(writeConfig(values, configFile));
        }
    }

    private static boolean isFree(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static MeridianConfig writeConfig(Map<String, String> values, Path configFile) throws IOException {
        String yaml = embeddedConfig();
        for (Map.Entry<String, String> value : values.entrySet()) {
            yaml = yaml.replace("${" + value.getKey() + "}", value.getValue());
        }
        Files.writeString(configFile, yaml);
        return ConfigLoader.create().load(configFile);
    }

    /** Where the demo's clients say they are (a trusted location header; they all connect from loopback). */
    private static final String[][] CLIENTS = {
        {"New York", "40.71,-74.01"},
        {"Paris", "48.86,2.35"},
        {"Osaka", "34.69,135.50"},
    };

    private void sendCompletions(HttpClient client, String base, PrintWriter out) throws Exception {
        int perClient = Math.max(1, requests / CLIENTS.length);
        out.printf("%nSending %d code completions from each of %d places to %s/v2/code/completions ...%n",
                perClient, CLIENTS.length, base);
        out.println();
        out.printf("  %-10s %-14s %9s %13s %16s   %s%n",
                "client", "lat,lon", "us-east4", "europe-west2", "asia-northeast1", "replicas (X-Sim-Gateway)");
        int failed = 0;
        for (String[] place : CLIENTS) {
            Map<String, Integer> byRegion = new TreeMap<>();
            Map<String, Integer> byReplica = new TreeMap<>();
            for (int i = 0; i < perClient; i++) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v2/code/completions"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .header("X-Client-Geo-Location", place[1])
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"current_file\":{\"file_name\":\"fib.py\",\"content_above_cursor\":\"def fib(\"}}"))
                        .build();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    failed++;
                    continue;
                }
                byRegion.merge(response.headers().firstValue("X-Meridian-Region").orElse("?"), 1, Integer::sum);
                byReplica.merge(response.headers().firstValue("X-Sim-Gateway").orElse("?"), 1, Integer::sum);
            }
            StringBuilder replicas = new StringBuilder();
            byReplica.forEach((replica, count) -> replicas.append(replica).append('=').append(count).append("  "));
            out.printf("  %-10s %-14s %9d %13d %16d   %s%n", place[0], place[1],
                    byRegion.getOrDefault(REGIONS.get(0), 0), byRegion.getOrDefault(REGIONS.get(1), 0),
                    byRegion.getOrDefault(REGIONS.get(2), 0), replicas.toString().trim());
        }
        if (failed > 0) {
            out.printf("  failed: %d%n", failed);
        }
        out.println("  Each client goes to its nearest region; inside it, the two replicas share by");
        out.println("  power of two choices over time to first byte and requests in flight.");
        out.flush();
    }

    private void streamSuggestions(HttpClient client, String base, PrintWriter out) throws Exception {
        out.printf("%nA streamed code suggestion (SSE) for the client in Paris, %s/v4/code/suggestions, event by event:%n",
                base);
        out.flush();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v4/code/suggestions"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Sim-Chunks", "4")
                .header("X-Sim-Chunk-Interval", "150ms")
                .header("X-Client-Geo-Location", "48.86,2.35")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"def fib(\"}"))
                .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(), UTF_8))) {
            lines.lines().filter(line -> line.startsWith("event:")).forEach(line -> {
                out.printf("  +%4d ms  %s  (from %s)%n", (System.nanoTime() - start) / 1_000_000, line,
                        response.headers().firstValue("X-Meridian-Region").orElse("?"));
                out.flush();
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The status page with this run's token in the fragment, which browsers never send to the server. */
    private String statusPage(AdminServer admin) {
        return admin.statusPageUrl() + "#token=" + token;
    }

    private static void tryItYourself(PrintWriter out, String base, SimulatedGateway first, Path directory, int adminPort,
            String token, String pageUrl) {
        Path configFile = directory.resolve("demo.yaml");
        String admin = "http://127.0.0.1:" + adminPort;
        out.printf("%nTry it yourself (the configuration in use is %s):%n", configFile);
        out.printf("  ./meridian explain --config %s --ip 203.0.113.7 --lat 48.86 --lon 2.35 --path /v2/code/completions%n",
                configFile);
        out.printf("  curl -i -X POST %s/v2/code/completions -H 'X-Client-Geo-Location: 35.68,139.76' -d '{}'%n", base);
        out.printf("  curl -i -X POST %s/v2/code/completions -H 'Content-Type: application/json' -d '{\"prompt\":\"def fib(\"}'%n", base);
        out.printf("  curl -N -X POST %s/v4/code/suggestions -H 'X-Sim-Chunks: 10' -H 'X-Sim-Chunk-Interval: 300ms' -d '{}'%n", base);
        out.printf("  curl -N -X POST %s/v2/chat/agent -d '{}'%n", base);
        out.printf("  # make %s fail, then watch the responses:%n", first.name());
        out.printf("  curl -X PUT http://127.0.0.1:%d/fault -d '{\"mode\":\"errors\",\"status\":503,\"rate\":1.0}'%n",
                first.controlPort());
        out.printf("  curl -X PUT http://127.0.0.1:%d/fault -d '{\"mode\":\"none\"}'%n", first.controlPort());
        out.println("  # the admin API: metrics, where a client would go and why, drains:");
        out.printf("  export TOKEN=%s%n", token);
        out.printf("  curl -s -H \"Authorization: Bearer $TOKEN\" %s/metrics | grep '^meridian_requests_total'%n", admin);
        out.printf("  curl -s -H \"Authorization: Bearer $TOKEN\" '%s/admin/explain?ip=203.0.113.7&lat=48.86&lon=2.35&path=/v2/code/completions'%n",
                admin);
        out.printf("  curl -s -H \"Authorization: Bearer $TOKEN\" -X POST %s/admin/regions/europe-west2/drain%n", admin);
        out.printf("  tail -f %s    # one JSON line per request%n", directory.resolve("access.jsonl"));
        out.println("  # the status page, where you can also drain and re-weight regions:");
        out.printf("  %s%n%n", pageUrl);
        out.flush();
    }

    private static void deleteQuietly(@Nullable Path directory) {
        if (directory == null) {
            return;
        }
        try {
            for (String file : List.of("demo.yaml", "access.jsonl", "meridian-state.json", "meridian-audit.jsonl")) {
                Files.deleteIfExists(directory.resolve(file));
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // A leftover file in the temp directory is harmless.
        }
    }

    static String embeddedConfig() {
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo.yaml")) {
            if (in == null) {
                throw new IllegalStateException("demo.yaml is missing from the jar");
            }
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
