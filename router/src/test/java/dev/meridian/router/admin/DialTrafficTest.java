package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meridian.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a router in front of two real upstreams, New York clients, and the dial of the
 * nearest region turned through the admin API; the share of real requests each region serves
 * follows the dial, and returns when the dial is set back.
 */
class DialTrafficTest {

    private static final int REQUESTS = 400;
    /** Four standard deviations of a binomial share at n = 400 are at most 0.1. */
    private static final double TOLERANCE = 0.1;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @AutoClose
    private TestUpstream east;
    @AutoClose
    private TestUpstream central;
    private AdminFixture router;

    @BeforeEach
    void start() throws Exception {
        east = TestUpstream.http1("east", null);
        central = TestUpstream.http1("central", null);
        router = AdminFixture.start(dir, AdminFixture.config("regions:\n"
                + "  - {name: us-east4, location: {lat: 39.04, lon: -77.49}, endpoints: [\"http://127.0.0.1:" + east.port() + "\"]}\n"
                + "  - {name: us-central1, location: {lat: 41.26, lon: -95.86}, endpoints: [\"http://127.0.0.1:" + central.port() + "\"]}\n"));
    }

    /** Before the upstreams ({@code @AutoClose} closes them after this). */
    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
    }

    /** The fraction of {@link #REQUESTS} requests from New York that each region served. */
    private Map<String, Double> shares() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.router.port() + "/v2/code/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("X-Client-Geo-Location", "40.71,-74.01")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("proxied request: %s", response.body()).isEqualTo(200);
            counts.merge(response.headers().firstValue("X-Meridian-Region").orElseThrow(), 1, Integer::sum);
        }
        Map<String, Double> shares = new HashMap<>();
        counts.forEach((region, n) -> shares.put(region, n / (double) REQUESTS));
        return shares;
    }

    private void dial(String body) {
        HttpResponse<String> response = router.write("PUT", "/admin/regions/us-east4/dial", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void theDialledRegionsShareFallsToAboutTheDialAndReturnsWhenTheDialIsSetBack() throws Exception {
        assertThat(shares()).as("the nearest region takes all").containsOnlyKeys("us-east4");

        dial("{\"percent\": 25}");
        Map<String, Double> dialled = shares();
        assertThat(dialled.getOrDefault("us-east4", 0.0)).isCloseTo(0.25, within(TOLERANCE));
        assertThat(dialled.getOrDefault("us-central1", 0.0)).as("the next region takes the rest").isCloseTo(0.75, within(TOLERANCE));

        dial("{\"percent\": 0}");
        assertThat(shares()).as("dial 0: none while another region can take it").containsOnlyKeys("us-central1");

        dial("{\"percent\": 100}");
        assertThat(shares()).as("set back: all of it again").containsOnlyKeys("us-east4");
        assertThat(east.requests.get() + central.requests.get()).isEqualTo(4 * REQUESTS);
    }
}
