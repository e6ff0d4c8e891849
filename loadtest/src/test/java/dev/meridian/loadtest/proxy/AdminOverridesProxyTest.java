package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meridian.regions.RegionOverrides;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What SREs change through the admin API, end to end through the data path: drains and weight
 * changes take effect for new requests at once, in-flight streams finish, and traffic moves the
 * way a dry run projected.
 */
class AdminOverridesProxyTest {

    private static final String NEW_YORK = RouterFixture.NEW_YORK;

    // Within the 10 ms tie band of New York: they share its traffic by weight.
    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(RouterFixture.builder().locationHeader()
            .region("us-east4", 1)
            .region("us-east1", 1));

    private String regionOfCompletion(RawHttpClient client) throws IOException {
        client.send(("POST /v2/code/completions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + NEW_YORK
                + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        RawHttpClient.Response response = client.readResponse();
        assertThat(response.status()).isEqualTo(200);
        return response.header("X-Meridian-Region");
    }

    @Test
    void aDrainStopsNewRequestsAtOnceWhileAnInFlightStreamFinishes() throws Exception {
        fixture.router().applyOverrides(RegionOverrides.NONE.withDrained("us-east1", true));
        fixture.gateway("us-east4").holdStreams(true);
        List<String> received = new CopyOnWriteArrayList<>();
        try (RawHttpClient streaming = new RawHttpClient(fixture.router().port());
                RawHttpClient other = new RawHttpClient(fixture.router().port())) {
            streaming.send(("POST /v4/code/suggestions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + NEW_YORK
                    + "\r\nX-Sim-Chunks: 3\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<RawHttpClient.Response> stream = streaming.readResponseAsync(received);
            Awaitility.await("the stream started in us-east4").atMost(Duration.ofSeconds(5))
                    .until(() -> String.join("", received).contains("stream_start"));

            fixture.router().applyOverrides(RegionOverrides.NONE.withDrained("us-east4", true));
            for (int i = 0; i < 20; i++) {
                assertThat(regionOfCompletion(other)).as("new requests avoid the drained region").isEqualTo("us-east1");
            }

            fixture.gateway("us-east4").holdStreams(false);
            RawHttpClient.Response done = stream.get(10, TimeUnit.SECONDS);
            assertThat(done.complete()).isTrue();
            assertThat(done.header("X-Meridian-Region")).isEqualTo("us-east4");
            assertThat(done.text()).contains("stream_end");
        }
    }

    @Test
    void aWeightChangeMovesTrafficAsTheDryRunProjected() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.router().port())) {
            for (int i = 0; i < 400; i++) {
                regionOfCompletion(client);
            }
            assertThat(fixture.router().currentShares()).containsEntry("us-east4", 0.5).containsEntry("us-east1", 0.5);

            RegionOverrides change = RegionOverrides.NONE.withWeight("us-east4", 300);
            Map<String, Double> projected = fixture.router().projectedShares(change);
            assertThat(fixture.router().overrides()).as("a dry run changes nothing").isEqualTo(RegionOverrides.NONE);
            assertThat(projected.get("us-east4")).isEqualTo(0.75);

            fixture.router().applyOverrides(change);
            int east4 = 0;
            int requests = 2000;
            for (int i = 0; i < requests; i++) {
                if (regionOfCompletion(client).equals("us-east4")) {
                    east4++;
                }
            }
            assertThat(east4 / (double) requests).isCloseTo(projected.get("us-east4"), within(0.04));
        }
    }
}
