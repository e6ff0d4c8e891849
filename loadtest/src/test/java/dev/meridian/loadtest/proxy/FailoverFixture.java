package dev.meridian.loadtest.proxy;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.RequestMix;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.RegionCandidate;
import dev.meridian.router.MeridianServer;
import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two regions of simulated gateways behind a router, for the failover rules: clients in New York,
 * nearest {@code us-east4} ("east"), next {@code europe-west2} ("europe"). The builder writes the
 * YAML once, from the parts a test changes (health timing, routing, the completions route), so
 * tests state only what differs from the product's defaults.
 *
 * <pre>{@code
 * try (FailoverFixture bed = FailoverFixture.builder().health("probe: {interval: 500ms}").start()) {
 *     bed.east().forEach(g -> g.setFault(Fault.hang()));
 * }
 * }</pre>
 */
final class FailoverFixture implements AutoCloseable {

    static final String EAST = "us-east4";
    static final String EUROPE = "europe-west2";
    static final String COMPLETIONS = "/v2/code/completions";
    private static final String NEW_YORK = "40.71,-74.01";
    private static final ClientLocation NEW_YORK_LOCATION =
            new ClientLocation(40.71, -74.01, ClientLocation.Source.HEADER, null);

    private final List<SimulatedGateway> east;
    private final List<SimulatedGateway> europe;
    private final MeridianServer router;

    private FailoverFixture(List<SimulatedGateway> east, List<SimulatedGateway> europe, MeridianServer router) {
        this.east = east;
        this.europe = europe;
        this.router = router;
    }

    static Builder builder() {
        return new Builder();
    }

    List<SimulatedGateway> east() {
        return east;
    }

    List<SimulatedGateway> europe() {
        return europe;
    }

    MeridianServer router() {
        return router;
    }

    /** Open-loop completions from New York at {@code rate} for {@code duration}, without warm-up. */
    LoadSpec openLoop(double rate, Duration duration) {
        return LoadSpec.openLoop(URI.create("http://127.0.0.1:" + router.port()), rate, duration)
                .withConnections(256)
                .withTimeout(Duration.ofSeconds(15))
                .withMix(RequestMix.single("POST", COMPLETIONS,
                        Map.of("Content-Type", "application/json", "X-Client-Geo-Location", NEW_YORK),
                        "{\"current_file\": {\"file_name\": \"main.py\", \"content_above_cursor\": \"def fib(n):\"}}"));
    }

    /** One completion from New York on {@code client}'s connection. */
    RawHttpClient.Response completion(RawHttpClient client) throws Exception {
        client.send(("POST " + COMPLETIONS + " HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + NEW_YORK
                + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        return client.readResponse();
    }

    /** How the router ranks and shares {@code region} for New York now. */
    RegionCandidate candidate(String region) {
        return router.explain(InetAddress.getLoopbackAddress(), NEW_YORK_LOCATION, COMPLETIONS, null)
                .candidates().stream().filter(c -> c.region().equals(region)).findFirst().orElseThrow();
    }

    /** Completions the gateways received (probes are not counted). */
    static long requests(List<SimulatedGateway> gateways) {
        return gateways.stream().mapToLong(g -> g.stats().requestsTo(COMPLETIONS)).sum();
    }

    /** The router's counter {@code name} summed over the series with tag {@code key}={@code value}. */
    long counter(String name, String key, String value) {
        double sum = 0;
        for (Counter c : router.meterRegistry().find(name).tag(key, value).counters()) {
            sum += c.count();
        }
        return Math.round(sum);
    }

    @Override
    public void close() {
        router.close();
        east.forEach(SimulatedGateway::close);
        europe.forEach(SimulatedGateway::close);
    }

    /** What to start; every part left alone is the product's default. */
    static final class Builder {
        private int eastReplicas = 2;
        private int europeReplicas = 2;
        private LatencyModel latency = LatencyModel.none();
        private String health = "";
        private String routing = "";
        private String retry = "{max-attempts: 3, non-idempotent: true}";
        private String timeouts = "{connect: 1s, first-byte: 10s, idle: 10s, total: 30s}";

        Builder replicas(int east, int europe) {
            this.eastReplicas = east;
            this.europeReplicas = europe;
            return this;
        }

        Builder latency(LatencyModel model) {
            this.latency = model;
            return this;
        }

        /** The body of {@code health:} as one flow-style line per key, e.g. {@code "probe: {interval: 500ms}"}. */
        Builder health(String... lines) {
            this.health = String.join("\n  ", lines);
            return this;
        }

        /** The body of the {@code routing:} mapping, e.g. {@code "mode: latency-aware"}. */
        Builder routing(String mapping) {
            this.routing = mapping;
            return this;
        }

        /** The completions route's {@code retry:} mapping. */
        Builder retry(String mapping) {
            this.retry = mapping;
            return this;
        }

        FailoverFixture start() {
            List<SimulatedGateway> east = new ArrayList<>();
            List<SimulatedGateway> europe = new ArrayList<>();
            try {
                for (int i = 1; i <= eastReplicas; i++) {
                    east.add(SimulatedGateway.start(GatewayConfig.of(EAST + "-" + i).withLatency(latency)));
                }
                for (int i = 1; i <= europeReplicas; i++) {
                    europe.add(SimulatedGateway.start(GatewayConfig.of(EUROPE + "-" + i).withLatency(latency)));
                }
                String yaml = "listen: {address: 127.0.0.1, port: 0}\n"
                        + "server: {max-connections-per-ip: 0}\n"
                        + "access-log: {enabled: false}\n"
                        + "geo: {trusted-proxies: [127.0.0.1/32], location-headers: [X-Client-Geo-Location]}\n"
                        + (health.isEmpty() ? "" : "health:\n  " + health + "\n")
                        + (routing.isEmpty() ? "" : "routing: {" + routing + "}\n")
                        + "regions:\n"
                        + "  - name: " + EAST + "\n"
                        + "    location: {lat: 39.04, lon: -77.49}\n"
                        + "    endpoints: [" + endpoints(east) + "]\n"
                        + "  - name: " + EUROPE + "\n"
                        + "    location: {lat: 51.51, lon: -0.13}\n"
                        + "    endpoints: [" + endpoints(europe) + "]\n"
                        + "routes:\n"
                        + "  - name: completions\n"
                        + "    path-prefix: " + COMPLETIONS + "\n"
                        + "    retry: " + retry + "\n"
                        + "    timeouts: " + timeouts + "\n";
                MeridianServer router = MeridianServer.start(ConfigLoader.create().parse(yaml, "failover-rules.yaml"));
                return new FailoverFixture(east, europe, router);
            } catch (RuntimeException e) {
                east.forEach(SimulatedGateway::close);
                europe.forEach(SimulatedGateway::close);
                throw e;
            }
        }

        private static String endpoints(List<SimulatedGateway> gateways) {
            List<String> uris = new ArrayList<>();
            for (SimulatedGateway gateway : gateways) {
                uris.add("\"" + gateway.baseUri() + "\"");
            }
            return String.join(", ", uris);
        }
    }
}
