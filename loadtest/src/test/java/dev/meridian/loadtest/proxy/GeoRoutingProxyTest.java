package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.testing.MmdbWriter;
import dev.meridian.testing.RouterFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nearest-region routing through real sockets: clients connect from different loopback addresses
 * (127.0.0.0/8 is all loopback on Linux), which a GeoIP database built by the test places near
 * different regions; each request must reach its region's simulated gateway.
 */
class GeoRoutingProxyTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(() -> RouterFixture.builder()
            .set("geo", "database: " + database(dir), "trusted-proxies: [127.0.0.1/32]",
                    "location-headers: [" + RouterFixture.LOCATION_HEADER + "]")
            .region("us-east4", 1)
            .region("europe-west2", 1)
            .region("asia-northeast1", 1));

    private static Path database(Path dir) {
        return MmdbWriter.city()
                .add("127.0.0.11/32", 40.71, -74.01, "US")       // New York
                .add("127.0.0.12/32", 48.86, 2.35, "FR")         // Paris
                .add("127.0.0.13/32", 34.69, 135.50, "JP")       // Osaka
                .add("198.51.100.0/24", 53.48, -2.24, "GB")      // Manchester
                .add("2001:db8:1::/48", 35.01, 135.77, "JP")     // Kyoto
                .writeTo(dir.resolve("city.mmdb"));
    }

    @Test
    void eachClientAddressReachesItsNearestRegion() throws Exception {
        assertThat(regionFor("127.0.0.11", "")).isEqualTo("us-east4");
        assertThat(regionFor("127.0.0.12", "")).isEqualTo("europe-west2");
        assertThat(regionFor("127.0.0.13", "")).isEqualTo("asia-northeast1");
        assertThat(fixture.gateways()).allSatisfy(g -> assertThat(g.stats().requestsTo("/v2/code/completions")).isEqualTo(1));
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
        try (RawHttpClient client = new RawHttpClient(fixture.port(), localAddress)) {
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
