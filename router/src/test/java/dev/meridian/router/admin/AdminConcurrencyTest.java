package dev.meridian.router.admin;

import static dev.meridian.router.admin.AdminFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two SREs changing the same state at once: no lost updates. */
class AdminConcurrencyTest extends RunningAdminTest {

    private static final int ROUNDS = 20;

    private ExecutorService writers;

    @BeforeEach
    void start() {
        writers = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        writers.shutdownNow();
        assertThat(writers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void ofTwoWritesWithTheSameIfMatchExactlyOneWinsAndTheOtherIsPreconditionFailed() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            long revision = admin.regions().path("revision").asLong();
            String etag = "\"" + revision + "\"";
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> results = new ArrayList<>();
            int weightA = 10 + round;
            int weightB = 500 + round;
            results.add(writers.submit(() -> {
                go.await();
                return admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": " + weightA + "}", "If-Match", etag);
            }));
            results.add(writers.submit(() -> {
                go.await();
                return admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": " + weightB + "}", "If-Match", etag);
            }));
            go.countDown();

            List<Integer> statuses = new ArrayList<>();
            int winner = -1;
            for (Future<HttpResponse<String>> result : results) {
                HttpResponse<String> response = result.get(30, TimeUnit.SECONDS);
                statuses.add(response.statusCode());
                if (response.statusCode() == 200) {
                    winner = AdminFixture.region(json(response), "us-east1").path("weightOverride").asInt();
                }
            }

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 412);
            assertThat(admin.router.overrides().weights().get("us-east1")).as("the winner's weight is in force").isEqualTo(winner);
            assertThat(admin.regions().path("revision").asLong()).isEqualTo(revision + 1);
        }
        assertThat(admin.auditLines()).hasSize(ROUNDS);
        assertThat(StateFile.parse(java.nio.file.Files.readAllBytes(admin.stateFile())).revision()).isEqualTo(ROUNDS);
    }
}
