package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hedged completions: a slow nearest region is raced by the next one, the first answer wins. */
class HedgingProxyTest {

    private static final String NEW_YORK = "40.71,-74.01";

    private SimulatedGateway east;
    private SimulatedGateway europe;
    private MeridianServer router;

    private void start(Duration eastLatency, String budget) {
        east = SimulatedGateway.start(GatewayConfig.of("us-east4-1").withLatency(LatencyModel.fixed(eastLatency)));
        europe = SimulatedGateway.start(GatewayConfig.of("europe-west2-1"));
        String yaml = "listen: {address: 127.0.0.1, port: 0}\n"
                + "geo: {trusted-proxies: [127.0.0.1/32], location-headers: [X-Client-Geo-Location]}\n"
                + "health: {probe: {enabled: false}}\n"
                + "retries: {" + budget + "}\n"
                + "regions:\n"
                + "  - name: us-east4\n"
                + "    location: {lat: 39.04, lon: -77.49}\n"
                + "    endpoints: [\"http://127.0.0.1:" + east.port() + "\"]\n"
                + "  - name: europe-west2\n"
                + "    location: {lat: 51.51, lon: -0.13}\n"
                + "    endpoints: [\"http://127.0.0.1:" + europe.port() + "\"]\n"
                + "routes:\n"
                + "  - name: completions\n"
                + "    path-prefix: /v2/code/completions\n"
                + "    retry: {max-attempts: 3, non-idempotent: true}\n"
                + "    hedge:\n"
                + "      enabled: true\n"
                + "      delay: 100ms\n";
        router = MeridianServer.start(ConfigLoader.create().parse(yaml, "hedging.yaml"));
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        if (east != null) {
            east.close();
        }
        if (europe != null) {
            europe.close();
        }
    }

    private RawHttpClient.Response completion(RawHttpClient client) throws Exception {
        client.send(("POST /v2/code/completions HTTP/1.1\r\nHost: t\r\nX-Client-Geo-Location: " + NEW_YORK
                + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        return client.readResponse();
    }

    @Test
    void hedgedCompletionsFinishNearTheFastRegionsLatencyAndTheLoserIsCancelled() throws Exception {
        start(Duration.ofSeconds(2), "min-per-second: 100");
        List<Long> latenciesMillis = new ArrayList<>();
        try (RawHttpClient client = new RawHttpClient(router.port())) {
            for (int i = 0; i < 10; i++) {
                long begin = System.nanoTime();
                RawHttpClient.Response response = completion(client);
                latenciesMillis.add((System.nanoTime() - begin) / 1_000_000);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("X-Meridian-Region")).isEqualTo("europe-west2");
            }
        }
        Collections.sort(latenciesMillis);
        assertThat(latenciesMillis.get(latenciesMillis.size() - 1))
                .as("slowest of 10 hedged requests, against 2000 ms without hedging")
                .isLessThan(1000);
        assertThat(europe.stats().requestsTo("/v2/code/completions")).isEqualTo(10);
        Awaitility.await("the slow region saw every losing attempt cancelled").atMost(Duration.ofSeconds(5))
                .until(() -> east.stats().cancelled() == 10);
    }

    @Test
    void hedgesSpendTheRetryBudget() throws Exception {
        start(Duration.ofMillis(300), "budget-ratio: 0.2, min-per-second: 0");
        int clients = 6;
        int perClient = 10;
        AtomicInteger ok = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(clients);
        for (int t = 0; t < clients; t++) {
            Thread client = new Thread(() -> {
                try (RawHttpClient connection = new RawHttpClient(router.port())) {
                    for (int i = 0; i < perClient; i++) {
                        if (completion(connection).status() == 200) {
                            ok.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
            client.start();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ok.get()).isEqualTo(clients * perClient);
        assertThat(europe.stats().requestsTo("/v2/code/completions"))
                .as("hedges at most 20% of requests")
                .isPositive()
                .isLessThanOrEqualTo((long) (0.2 * clients * perClient) + 1);
    }
}
