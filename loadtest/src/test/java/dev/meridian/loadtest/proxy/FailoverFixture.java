package dev.meridian.loadtest.proxy;

import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.RequestMix;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.RegionCandidate;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Two regions of simulated gateways behind a router, for the failover rules: clients in New York,
 * nearest {@code us-east4} ("east"), next {@code europe-west2} ("europe"). The builder states the
 * configuration once ({@link RouterFixture}), from the parts a test changes (health timing,
 * routing, the completions route), so tests state only what differs from the product's defaults.
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
    private static final ClientLocation NEW_YORK_LOCATION =
            new ClientLocation(40.71, -74.01, ClientLocation.Source.HEADER, null);

    private final ProxyFixture proxy;

    private FailoverFixture(ProxyFixture proxy) {
        this.proxy = proxy;
    }

    static Builder builder() {
        return new Builder();
    }

    List<SimulatedGateway> east() {
        return proxy.gateways(EAST);
    }

    List<SimulatedGateway> europe() {
        return proxy.gateways(EUROPE);
    }

    MeridianServer router() {
        return proxy.router();
    }

    /** Open-loop completions from New York at {@code rate} for {@code duration}, without warm-up. */
    LoadSpec openLoop(double rate, Duration duration) {
        return LoadSpec.openLoop(URI.create("http://127.0.0.1:" + router().port()), rate, duration)
                .withConnections(256)
                .withTimeout(Duration.ofSeconds(15))
                .withMix(RequestMix.single("POST", COMPLETIONS,
                        Map.of("Content-Type", "application/json", RouterFixture.LOCATION_HEADER, RouterFixture.NEW_YORK),
                        "{\"current_file\": {\"file_name\": \"main.py\", \"content_above_cursor\": \"def fib(n):\"}}"));
    }

    /** One completion from New York on {@code client}'s connection. */
    RawHttpClient.Response completion(RawHttpClient client) throws Exception {
        client.send(("POST " + COMPLETIONS + " HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + RouterFixture.NEW_YORK
                + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        return client.readResponse();
    }

    /** How the router ranks and shares {@code region} for New York now. */
    RegionCandidate candidate(String region) {
        return router().explain(InetAddress.getLoopbackAddress(), NEW_YORK_LOCATION, COMPLETIONS, null)
                .candidates().stream().filter(c -> c.region().equals(region)).findFirst().orElseThrow();
    }

    /** Completions the gateways received (probes are not counted). */
    static long requests(List<SimulatedGateway> gateways) {
        return gateways.stream().mapToLong(g -> g.stats().requestsTo(COMPLETIONS)).sum();
    }

    /** The router's counter {@code name} summed over the series with tag {@code key}={@code value}. */
    long counter(String name, String key, String value) {
        double sum = 0;
        for (Counter c : router().meterRegistry().find(name).tag(key, value).counters()) {
            sum += c.count();
        }
        return Math.round(sum);
    }

    @Override
    public void close() {
        proxy.close();
    }

    /** What to start; every part left alone is the product's default. */
    static final class Builder {
        private int eastReplicas = 2;
        private int europeReplicas = 2;
        private LatencyModel latency = LatencyModel.none();
        private String[] health = {};
        private String routing = "";

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
            this.health = lines.clone();
            return this;
        }

        /** The body of the {@code routing:} mapping, e.g. {@code "mode: latency-aware"}. */
        Builder routing(String mapping) {
            this.routing = mapping;
            return this;
        }

        FailoverFixture start() {
            RouterFixture.Builder fixture = RouterFixture.builder()
                    .server("{max-connections-per-ip: 0}")
                    .set("access-log", "{enabled: false}")
                    .locationHeader()
                    .region(EAST, eastReplicas)
                    .region(EUROPE, europeReplicas)
                    .route("completions", COMPLETIONS, "retry: {max-attempts: 3, non-idempotent: true}",
                            "timeouts: {connect: 1s, first-byte: 10s, idle: 10s, total: 30s}");
            if (health.length == 0) {
                fixture.unset("health"); // the product's probes, breakers and ejection
            } else {
                fixture.health(health);
            }
            if (!routing.isEmpty()) {
                fixture.set("routing", "{" + routing + "}");
            }
            LatencyModel model = latency;
            return new FailoverFixture(ProxyFixture.of(fixture.build(), gateway -> gateway.withLatency(model)).start());
        }
    }
}
