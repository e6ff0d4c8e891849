package dev.meridian.loadtest.proxy;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A router in front of one region ({@code us-east4}) of simulated gateways, all on loopback with
 * ephemeral ports. {@code extraYaml} is appended to the generated configuration (server limits,
 * routes, timeouts).
 */
final class ProxyFixture implements AutoCloseable {

    final List<SimulatedGateway> gateways;
    final MeridianServer router;
    final MeridianConfig config;

    private ProxyFixture(List<SimulatedGateway> gateways, MeridianServer router, MeridianConfig config) {
        this.gateways = gateways;
        this.router = router;
        this.config = config;
    }

    static ProxyFixture start(int replicas, String extraYaml) {
        List<SimulatedGateway> gateways = new ArrayList<>();
        try {
            for (int i = 1; i <= replicas; i++) {
                gateways.add(SimulatedGateway.start(GatewayConfig.of("us-east4-" + i)));
            }
            MeridianConfig config = ConfigLoader.create().parse(yaml(gateways, extraYaml), "test.yaml");
            return new ProxyFixture(gateways, MeridianServer.start(config), config);
        } catch (RuntimeException e) {
            gateways.forEach(SimulatedGateway::close);
            throw e;
        }
    }

    static String yaml(List<SimulatedGateway> gateways, String extraYaml) {
        String endpoints = gateways.stream()
                .map(g -> "\"http://127.0.0.1:" + g.port() + "\"")
                .collect(Collectors.joining(", "));
        // Active probes would add their own requests and connections to what the tests count.
        String health = extraYaml.contains("health:") ? "" : "health: {probe: {enabled: false}}\n";
        return "listen: {address: 127.0.0.1, port: 0}\n"
                + health
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    location: {lat: 39.04, lon: -77.49}\n"
                + "    endpoints: [" + endpoints + "]\n"
                + extraYaml;
    }

    int port() {
        return router.port();
    }

    SimulatedGateway gateway(int index) {
        return gateways.get(index);
    }

    long totalConnectionsAccepted() {
        return gateways.stream().mapToLong(g -> g.stats().connectionsAccepted()).sum();
    }

    long totalRequests() {
        return gateways.stream().mapToLong(g -> g.stats().requests()).sum();
    }

    @Override
    public void close() {
        router.close();
        gateways.forEach(SimulatedGateway::close);
    }
}
