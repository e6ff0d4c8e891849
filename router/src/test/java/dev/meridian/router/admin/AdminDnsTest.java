package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.testing.Dnsmasq;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /admin/regions} and {@code /admin/explain} show the endpoint names, their addresses and answers. */
class AdminDnsTest {

    @TempDir
    Path dir;

    private Dnsmasq dns;
    private AdminFixture admin;

    @BeforeEach
    void start() {
        dns = Dnsmasq.start(dir);
        dns.set("gw.test", "127.0.0.3", "127.0.0.2");
        admin = AdminFixture.start(dir, AdminFixture.fixture()
                .set("dns", "{servers: [\"" + dns.server() + "\"]}")
                .regionAt("us-east4", List.of("http://gw.test:5052", "http://127.0.0.1:9", "http://gone.test:5052"))
                .regionAt("europe-west2", List.of("http://127.0.0.1:29")));
    }

    @AfterEach
    void stop() {
        admin.close();
        dns.close();
    }

    @Test
    void regionsListEachNameWithItsAddressesAndEachAddressAsAnEndpoint() {
        JsonNode east = AdminFixture.region(admin.regions(), "us-east4");

        JsonNode names = east.path("names");
        assertThat(names).hasSize(2);
        JsonNode gw = names.get(0);
        assertThat(gw.path("endpoint").asText()).isEqualTo("http://gw.test:5052");
        assertThat(gw.path("name").asText()).isEqualTo("gw.test");
        assertThat(gw.path("state").asText()).isEqualTo("resolved");
        assertThat(gw.path("addresses").toString()).isEqualTo("[\"127.0.0.2\",\"127.0.0.3\"]");
        assertThat(gw.path("ttlSeconds").asLong()).isEqualTo(1);
        assertThat(gw.path("resolvedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(gw.path("problem").isNull()).isTrue();
        JsonNode gone = names.get(1);
        assertThat(gone.path("state").asText()).isEqualTo("empty");
        assertThat(gone.path("addresses")).isEmpty();
        assertThat(gone.path("problem").asText()).startsWith("NXDOMAIN for gone.test");
        assertThat(east.path("endpoints").findValuesAsText("endpoint"))
                .containsExactly("gw.test:5052 (127.0.0.2)", "gw.test:5052 (127.0.0.3)", "127.0.0.1:9");
        assertThat(AdminFixture.region(admin.regions(), "europe-west2").path("names")).isEmpty();
    }

    @Test
    void explainShowsTheNamesOfEachCandidate() {
        dns.set("gw.test", "127.0.0.4");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                AdminFixture.region(admin.regions(), "us-east4").path("names").get(0).path("addresses").toString().equals("[\"127.0.0.4\"]"));

        JsonNode explanation = AdminFixture.json(admin.get("/admin/explain?ip=10.0.0.1", AdminFixture.READ_TOKEN));

        JsonNode east = null;
        for (JsonNode candidate : explanation.path("candidates")) {
            if (candidate.path("region").asText().equals("us-east4")) {
                east = candidate;
            }
        }
        assertThat(east).isNotNull();
        assertThat(east.path("endpoints").asInt()).isEqualTo(2);
        assertThat(east.path("names").get(0).path("addresses").toString()).isEqualTo("[\"127.0.0.4\"]");
    }
}
