package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.testing.RouterFixture;
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

    private static final String NEW_YORK = RouterFixture.NEW_YORK;

    private ProxyFixture fixture;

    private void start(Duration eastLatency, String budget) {
        RouterFixture config = RouterFixture.builder()
                .locationHeader()
                .set("retries", "{" + budget + "}")
                .region("us-east4", 1)
                .region("europe-west2", 1)
                .route("completions", "/v2/code/completions", "retry: {max-attempts: 3, non-idempotent: true}",
                        "hedge: {enabled: true, delay: 100ms}")
                .build();
        fixture = ProxyFixture.of(config, gateway -> gateway.name().startsWith("us-east4")
                ? gateway.withLatency(LatencyModel.fixed(eastLatency)) : gateway).start();
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
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
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
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
        assertThat(fixture.gateway("europe-west2").stats().requestsTo("/v2/code/completions")).isEqualTo(10);
        Awaitility.await("the slow region saw every losing attempt cancelled").atMost(Duration.ofSeconds(5))
                .until(() -> fixture.gateway("us-east4").stats().cancelled() == 10);
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
                try (RawHttpClient connection = new RawHttpClient(fixture.port())) {
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
        assertThat(fixture.gateway("europe-west2").stats().requestsTo("/v2/code/completions"))
                .as("hedges at most 20% of requests")
                .isPositive()
                .isLessThanOrEqualTo((long) (0.2 * clients * perClient) + 1);
    }
}
