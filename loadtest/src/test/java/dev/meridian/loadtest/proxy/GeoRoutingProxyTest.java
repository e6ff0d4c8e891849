package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.ConfigLoader;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.testing.MmdbWriter;
import dev.meridian.router.MeridianServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nearest-region routing through real sockets: clients connect from different loopback addresses
 * (127.0.0.0/8 is all loopback on Linux), which a GeoIP database built by the test places near
 * different regions; each request must reach its region's simulated gateway.
 */
class GeoRoutingProxyTest {

    private static final String[] REGIONS = {"us-east4", "europe-west2", "asia-northeast1"};

    @TempDir
    Path dir;

    private final List<SimulatedGateway> gateways = new ArrayList<>();
    private MeridianServer router;

    @BeforeEach
    void start() {
        Path database = MmdbWriter.city()
                .add("127.0.0.11/32", 40.71, -74.01, "US")       // New York
                .add("127.0.0.12/32", 48.86, 2.35, "FR")         // Paris
                .add("127.0.0.13/32", 34.69, 135.50, "JP")       // Osaka
                .add("198.51.100.0/24", 53.48, -2.24, "GB")      // Manchester
                .add("2001:db8:1::/48", 35.01, 135.77, "JP")     // Kyoto
                .writeTo(dir.resolve("city.mmdb"));
        for (String region : REGIONS) {
            gateways.add(SimulatedGateway.start(GatewayConfig.of(region + "-1")));
        }
        String yaml = "listen: {address: 127.0.0.1, port: 0}\n"
                + "health: {probe: {enabled: false}}\n"
                + "geo:\n"
                + "  database: " + database + "\n"
                + "  trusted-proxies: [127.0.0.1/32]\n"
                + "  location-headers: [X-Client-Geo-Location]\n"
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    location: {lat: 39.04, lon: -77.49}\n"
                + "    endpoints: [\"http://127.0.0.1:" + gateways.get(0).port() + "\"]\n"
                + "  - name: europe-west2\n"
                + "    location: {lat: 51.51, lon: -0.13}\n"
                + "    endpoints: [\"http://127.0.0.1:" + gateways.get(1).port() + "\"]\n"
                + "  - name: asia-northeast1\n"
                + "    location: {lat: 35.69, lon: 139.69}\n"
                + "    endpoints: [\"http://127.0.0.1:" + gateways.get(2).port() + "\"]\n";
        router = MeridianServer.start(ConfigLoader.create().parse(yaml, "geo.yaml"));
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        gateways.forEach(SimulatedGateway::close);
    }

    @Test
    void eachClientAddressReachesItsNearestRegion() throws Exception {
        assertThat(regionFor("127.0.0.11", "")).isEqualTo("us-east4");
        assertThat(regionFor("127.0.0.12", "")).isEqualTo("europe-west2");
        assertThat(regionFor("127.0.0.13", "")).isEqualTo("asia-northeast1");
        assertThat(gateways).allSatisfy(g -> assertThat(g.stats().requestsTo("/v2/code/completions")).isEqualTo(1));
    }

    @Test
    void anUnknownAddressFallsBackToConfigurationOrder() throws Exception {
        assertThat(regionFor("127.0.0.99", "")).isEqualTo("us-east4");
    }

    @Test
    void aTrustedProxysForwardedForIsBelievedAndLocated() throws Exception {
        assertThat(regionFor("127.0.0.1", "X-Forwarded-For: 198.51.100.7\r\n")).isEqualTo("europe-west2");
        assertThat(regionFor("127.0.0.1", "Forwarded: for=\"[2001:db8:1::5]\"\r\n")).isEqualTo("asia-northeast1");
    }

    @Test
    void anUntrustedPeerCannotChooseItsLocationWithHeaders() throws Exception {
        assertThat(regionFor("127.0.0.13", "X-Forwarded-For: 198.51.100.7\r\nX-Client-Geo-Location: 51.5,-0.1\r\n"))
                .as("Osaka's address sent spoofed headers")
                .isEqualTo("asia-northeast1");
    }

    @Test
    void aTrustedLocationHeaderWinsOverGeoIp() throws Exception {
        assertThat(regionFor("127.0.0.1", "X-Forwarded-For: 127.0.0.11\r\nX-Client-Geo-Location: 35.0,135.0\r\n"))
                .isEqualTo("asia-northeast1");
    }

    private String regionFor(String localAddress, String extraHeaders) throws Exception {
        try (RawHttpClient client = new RawHttpClient(router.port(), localAddress)) {
            client.send(("POST /v2/code/completions HTTP/1.1\r\nHost: t\r\n" + extraHeaders
                    + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            String region = response.header("X-Meridian-Region");
            assertThat(response.header("X-Sim-Gateway")).as("the region's own gateway answered").isEqualTo(region + "-1");
            return region;
        }
    }
}
