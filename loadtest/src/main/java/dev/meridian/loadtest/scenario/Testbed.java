package dev.meridian.loadtest.scenario;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.RequestMix;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A scenario's world on loopback: regions of {@link SimulatedGateway} replicas, and the router in
 * front of them configured from a YAML text this class writes (and a report quotes). Clients say
 * where they are with {@code X-Client-Geo-Location}, trusted from loopback.
 *
 * <pre>{@code
 * try (Testbed bed = Testbed.builder()
 *         .region("us-east4", 39.04, -77.49, 2)
 *         .region("europe-west2", 51.51, -0.13, 2)
 *         .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
 *         .start()) {
 *     LoadSpec spec = LoadSpec.openLoop(bed.target(), 1000, Duration.ofSeconds(30)).withMix(Testbed.completions(NEW_YORK));
 *     bed.gateways("us-east4").forEach(SimulatedGateway::down);
 * }
 * }</pre>
 */
final class Testbed implements AutoCloseable {

    /** Where the scenarios' clients are: New York (nearest region us-east4, next europe-west2). */
    static final String NEW_YORK = "40.71,-74.01";
    /** The route every scenario sends to. */
    static final String COMPLETIONS = "/v2/code/completions";

    private final Map<String, List<SimulatedGateway>> regions;
    private final MeridianServer router;
    private final @Nullable AdminServer admin;
    private final String yaml;
    private final String adminToken;
    private final Path directory;
    private final HttpClient http = HttpClient.newHttpClient();

    private Testbed(Map<String, List<SimulatedGateway>> regions, MeridianServer router, @Nullable AdminServer admin,
            String yaml, String adminToken, Path directory) {
        this.regions = regions;
        this.router = router;
        this.admin = admin;
        this.yaml = yaml;
        this.adminToken = adminToken;
        this.directory = directory;
    }

    static Builder builder() {
        return new Builder();
    }

    /** {@code POST /v2/code/completions} with a small JSON body, from a client at {@code latLon}. */
    static RequestMix completions(String latLon) {
        return RequestMix.single("POST", COMPLETIONS,
                Map.of("Content-Type", "application/json", "X-Client-Geo-Location", latLon),
                "{\"current_file\": {\"file_name\": \"main.py\", \"content_above_cursor\": \"def fib(n):\"}}");
    }

    /** The router's address as the load generator's target. */
    URI target() {
        return URI.create("http://127.0.0.1:" + router.port());
    }

    MeridianServer router() {
        return router;
    }

    /** The configuration the router runs, as written, with the admin token blanked out. */
    String yaml() {
        return yaml.replace(adminToken, "(made up per run)");
    }

    List<String> regionNames() {
        return List.copyOf(regions.keySet());
    }

    List<SimulatedGateway> gateways(String region) {
        return requireNonNull(regions.get(region), region);
    }

    /** The admin API's base URI; only when the builder asked for it. */
    URI adminUri() {
        if (admin == null) {
            throw new IllegalStateException("the admin API was not started (Builder.admin())");
        }
        return URI.create("http://127.0.0.1:" + admin.address().getPort());
    }

    /** {@code PUT /admin/regions/REGION/weight} through the admin API, as an SRE would; returns how long the call took (ms). */
    long putWeight(String region, int weight) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = putWeight(http, adminUri(), adminToken, region, weight);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("PUT weight: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** {@code GET PATH} from the admin API (e.g. {@code /admin/controller}), as a read client would; the body of a 200. */
    String adminGet(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(adminUri() + path))
                    .header("Authorization", "Bearer " + adminToken)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code PUT /admin/regions/REGION/weight} with a write {@code token} to the admin API at {@code admin}. */
    static HttpResponse<String> putWeight(HttpClient http, URI admin, String token, String region, int weight)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/regions/" + region + "/weight"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": " + weight + "}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Upstream attempts the router made to {@code region} so far, every outcome. */
    long attempts(String region) {
        return counterTotal("meridian.upstream.attempts", "region", region);
    }

    /** Attempts to {@code region} so far by outcome label ({@code success}, {@code gateway_failure}, ...). */
    Map<String, Long> attemptsByOutcome(String region) {
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        for (Counter counter : router.meterRegistry().find("meridian.upstream.attempts").tag("region", region).counters()) {
            byOutcome.merge(counter.getId().getTag("outcome"), Math.round(counter.count()), Long::sum);
        }
        return byOutcome;
    }

    /** The sum of a counter over every tag combination. */
    long counterTotal(String name) {
        return sum(router.meterRegistry().find(name));
    }

    /** The sum of a counter over the series whose tag {@code key} is {@code value}. */
    long counterTotal(String name, String key, String value) {
        return sum(router.meterRegistry().find(name).tag(key, value));
    }

    /** Requests in flight at the endpoints of {@code region} (the router's gauge), at this moment. */
    long outstandingTo(String region) {
        return sum(router.meterRegistry().find("meridian.endpoint.outstanding.requests").tag("region", region));
    }

    /** Open upstream connections (in use and idle) of every region. */
    long upstreamConnections() {
        return sum(router.meterRegistry().find("meridian.upstream.connections"));
    }

    /** The sum of the counters and gauges a search finds (a gauge not yet readable counts 0), rounded. */
    private static long sum(Search search) {
        double sum = 0;
        for (Counter counter : search.counters()) {
            sum += counter.count();
        }
        for (Gauge gauge : search.gauges()) {
            double value = gauge.value();
            sum += Double.isNaN(value) ? 0 : value;
        }
        return Math.round(sum);
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        router.close();
        regions.values().forEach(list -> list.forEach(SimulatedGateway::close));
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }

    /** How the router's health checks are set. */
    enum HealthTiming {
        /** The product's defaults (probes every 2 s, down after 2 failures, 30 s ejections, 10 s breaker). */
        DEFAULTS,
        /** Test-like: probes every 100 ms, 500 ms ejections and breaker: reacts within a few hundred ms. */
        FAST;

        String yaml() {
            return switch (this) {
                case DEFAULTS -> "";
                case FAST -> "health:\n"
                        + "  probe: {interval: 100ms, timeout: 500ms, unhealthy-threshold: 2, healthy-threshold: 2}\n"
                        + "  outlier: {consecutive-failures: 5, base-ejection: 500ms}\n"
                        + "  breaker: {open-duration: 500ms}\n";
            };
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A region of the testbed: where it is and how many simulated gateways it has. */
    private record Region(String name, double lat, double lon, int replicas) {
    }

    /** What to start. */
    static final class Builder {
        private final List<Region> regions = new ArrayList<>();
        private LatencyModel latency = LatencyModel.none();
        private HealthTiming health = HealthTiming.DEFAULTS;
        private String routing = "";
        private String route = "    retry: {max-attempts: 3, non-idempotent: true}\n"
                + "    timeouts: {connect: 1s, first-byte: 10s, idle: 10s, total: 30s}\n";
        private String upstream = "";
        private final StringBuilder sections = new StringBuilder();
        private boolean admin;

        /** A region at ({@code lat}, {@code lon}) with {@code replicas} simulated gateways. */
        Builder region(String name, double lat, double lon, int replicas) {
            regions.add(new Region(name, lat, lon, replicas));
            return this;
        }

        /** Every gateway's latency model. */
        Builder latency(LatencyModel model) {
            this.latency = model;
            return this;
        }

        Builder health(HealthTiming timing) {
            this.health = timing;
            return this;
        }

        /** The {@code routing:} mapping's body, e.g. {@code "mode: latency-aware"}; empty for defaults. */
        Builder routing(String mapping) {
            this.routing = mapping;
            return this;
        }

        /** The route's {@code retry:} and {@code timeouts:} lines (indented by four spaces), replacing the defaults. */
        Builder route(String lines) {
            this.route = lines;
            return this;
        }

        /** The {@code upstream:} mapping's body, e.g. {@code "idle-timeout: 5s"}; empty for defaults. */
        Builder upstream(String mapping) {
            this.upstream = mapping;
            return this;
        }

        /**
         * A top-level section of the configuration, as YAML lines (e.g. {@code "slo-controller:\n  mode: act\n"}),
         * written before the regions; not one the builder writes itself ({@code health} only with the defaults).
         */
        Builder section(String yaml) {
            sections.append(yaml.endsWith("\n") ? yaml : yaml + "\n");
            return this;
        }

        /** Also start the admin API (on a free loopback port, with a write token). */
        Builder admin() {
            this.admin = true;
            return this;
        }

        Testbed start() {
            Map<String, List<SimulatedGateway>> started = new LinkedHashMap<>();
            MeridianServer router = null;
            AdminServer adminServer = null;
            Path directory;
            try {
                directory = Files.createTempDirectory("meridian-scenario");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String token = Long.toHexString(new SecureRandom().nextLong() | Long.MIN_VALUE)
                    + Long.toHexString(new SecureRandom().nextLong() | Long.MIN_VALUE);
            try {
                for (Region region : regions) {
                    List<SimulatedGateway> gateways = new ArrayList<>();
                    started.put(region.name(), gateways);
                    for (int i = 1; i <= region.replicas(); i++) {
                        gateways.add(SimulatedGateway.start(GatewayConfig.of(region.name() + "-" + i).withLatency(latency)));
                    }
                }
                String yaml = yaml(started, directory, token);
                Path file = directory.resolve("meridian.yaml");
                Files.writeString(file, yaml);
                router = MeridianServer.start(ConfigLoader.create().parse(yaml, "scenario.yaml"));
                if (admin) {
                    adminServer = AdminServer.start(router, file);
                }
                return new Testbed(started, router, adminServer, yaml, token, directory);
            } catch (IOException | RuntimeException e) {
                if (router != null) {
                    router.close();
                }
                started.values().forEach(list -> list.forEach(SimulatedGateway::close));
                if (e instanceof IOException io) {
                    throw new UncheckedIOException(io);
                }
                throw (RuntimeException) e;
            }
        }

        private String yaml(Map<String, List<SimulatedGateway>> started, Path directory, String token) {
            StringBuilder text = new StringBuilder();
            text.append("listen: {address: 127.0.0.1, port: 0}\n");
            // Every client of a scenario (load generator, control traffic) connects from 127.0.0.1:
            // the per-address connection limit, meant for the internet, is off here.
            text.append("server: {max-connections-per-ip: 0}\n");
            text.append("geo: {trusted-proxies: [127.0.0.1/32], location-headers: [X-Client-Geo-Location]}\n");
            text.append("access-log: {enabled: false}\n");
            if (admin) {
                text.append("admin:\n  address: 127.0.0.1\n  port: 0\n")
                        .append("  tokens: [{name: scenario, token: \"").append(token).append("\", scope: write}]\n")
                        .append("  state-file: ").append(directory.resolve("state.json")).append('\n')
                        .append("  audit-file: ").append(directory.resolve("audit.jsonl")).append('\n');
            }
            if (!routing.isEmpty()) {
                text.append("routing: {").append(routing).append("}\n");
            }
            if (!upstream.isEmpty()) {
                text.append("upstream: {").append(upstream).append("}\n");
            }
            text.append(health.yaml());
            text.append(sections);
            text.append("regions:\n");
            for (Region region : regions) {
                text.append("  - name: ").append(region.name()).append('\n')
                        .append("    location: {lat: ").append(region.lat()).append(", lon: ").append(region.lon()).append("}\n")
                        .append("    endpoints: [");
                List<String> uris = new ArrayList<>();
                for (SimulatedGateway gateway : started.get(region.name())) {
                    uris.add("\"" + gateway.baseUri() + "\"");
                }
                text.append(String.join(", ", uris)).append("]\n");
            }
            text.append("routes:\n  - name: completions\n    path-prefix: ").append(COMPLETIONS).append('\n').append(route);
            return text.toString();
        }
    }
}
