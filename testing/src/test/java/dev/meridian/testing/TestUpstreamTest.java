package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The faults an HTTP/1.1 {@link TestUpstream} shows its clients: scripted statuses, failures every n-th request, delays, holds. */
class TestUpstreamTest {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpRequest get(TestUpstream upstream, Duration timeout) {
        return HttpRequest.newBuilder(upstream.uri("http").resolve("/monitoring/healthz")).timeout(timeout).build();
    }

    private int status(TestUpstream upstream) throws Exception {
        return client.send(get(upstream, Duration.ofSeconds(10)), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void theScriptComesFirstThenEveryNthRequestFailsUntilStopped() throws Exception {
        try (TestUpstream upstream = TestUpstream.http1("gw", null).script(503, 204).failEvery(3, 500)) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                statuses.add(status(upstream));
            }
            upstream.failEvery(0, 500);
            statuses.add(status(upstream));
            statuses.add(status(upstream));

            assertThat(statuses).as("requests 1-2 scripted, then 3, 6 and 9 would fail; 9 comes after failEvery(0)")
                    .containsExactly(503, 204, 500, 200, 200, 500, 200, 200, 200);
            assertThat(upstream.requests.get()).isEqualTo(9);
        }
    }

    @Test
    void aDelayHoldsEveryAnswerAndArrivalTimesAreRecorded() throws Exception {
        try (TestUpstream upstream = TestUpstream.http1("gw", null).delay(Duration.ofMillis(200))) {
            long start = System.nanoTime();
            assertThat(status(upstream)).isEqualTo(200);

            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
            assertThat(upstream.received().get(0).arrivedNanos()).isBetween(start, System.nanoTime());
        }
    }

    @Test
    void aHungUpstreamAnswersOnlyWhenReleased() throws Exception {
        try (TestUpstream upstream = TestUpstream.http1("gw", null).hang()) {
            CompletableFuture<HttpResponse<Void>> held = client.sendAsync(get(upstream, Duration.ofSeconds(20)),
                    HttpResponse.BodyHandlers.discarding());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests.get() == 1);
            Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> !held.isDone());

            upstream.releaseHeld();
            assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(status(upstream)).as("answered at once after the release").isEqualTo(200);
        }
    }
}
