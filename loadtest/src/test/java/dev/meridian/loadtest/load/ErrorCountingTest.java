package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.ScriptedHttpServer.Reply;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Errors are counted by kind, and the generator recovers from them. */
class ErrorCountingTest {

    @Test
    void statusClassesAreCountedAndStillTimed() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                (n, at) -> n % 4 == 0 ? Reply.status(503) : n % 4 == 1 ? Reply.status(404) : Reply.now())) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 200, Duration.ofSeconds(1))
                    .withConnections(4));

            assertThat(result.requests()).isEqualTo(200);
            assertThat(result.errors(ErrorKind.STATUS_5XX)).isEqualTo(50);
            assertThat(result.errors(ErrorKind.STATUS_4XX)).isEqualTo(50);
            assertThat(result.responsesByStatusClass()).containsEntry("2xx", 100L).containsEntry("4xx", 50L)
                    .containsEntry("5xx", 50L);
            assertThat(result.ttfb().getTotalCount()).as("error responses are responses: timed too").isEqualTo(200);
        }
    }

    @Test
    void requestsWithoutAnswerTimeOutAndTheirConnectionsAreReplaced() {
        // Every third request is never answered; the connection it was on must be closed and reopened.
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                (n, at) -> n % 3 == 0 ? Reply.after(Duration.ofHours(1)) : Reply.now())) {
            LoadResult result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 100, Duration.ofSeconds(1))
                    .withConnections(8)
                    .withTimeout(Duration.ofMillis(200)));

            assertThat(result.errors(ErrorKind.TIMEOUT)).as("a third of the requests").isBetween(25L, 40L);
            assertThat(result.requests() + result.errors(ErrorKind.TIMEOUT)).isEqualTo(100);
            assertThat(result.errors(ErrorKind.RESET)).isZero();
            assertThat(result.total().getMaxValue()).as("no answered request took long (us)").isLessThan(200_000);
        }
    }

    @Test
    void noConnectionAtAllFailsAtOnceWithTheReason() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort);

        assertThatThrownBy(() -> LoadGenerator.run(LoadSpec.openLoop(nowhere, 10, Duration.ofSeconds(1)).withConnections(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot connect to " + nowhere)
                .hasMessageContaining("refused");
    }

    @Test
    void aTargetThatGoesDownIsCountedAndReconnectedToWhenItComesBack() throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("flaky"))) {
            CountDownLatch errorsSeen = new CountDownLatch(1);
            CountDownLatch recovered = new CountDownLatch(1);
            LoadSpec spec = LoadSpec.openLoop(gateway.baseUri(), 200, Duration.ofSeconds(30))
                    .withConnections(8)
                    .withTimeout(Duration.ofMillis(300))
                    .withMix(RequestMix.get("/monitoring/healthz"))
                    .withListener(second -> {
                        if (second.errors() > 0) {
                            errorsSeen.countDown();
                        } else if (errorsSeen.getCount() == 0 && second.completed() > 150) {
                            recovered.countDown();
                        }
                    });
            try (LoadGenerator generator = LoadGenerator.start(spec)) {
                gateway.down();
                assertThat(errorsSeen.await(5, TimeUnit.SECONDS)).as("errors while the target is down").isTrue();
                gateway.up();
                assertThat(recovered.await(5, TimeUnit.SECONDS)).as("a clean second after it is back").isTrue();
                LoadResult result = generator.stop();

                assertThat(result.errors(ErrorKind.CONNECT)).as("refused reconnects").isPositive();
                assertThat(result.errors(ErrorKind.TIMEOUT))
                        .as("requests due while no connection was up expired").isPositive();
                assertThat(result.requests()).isPositive();
            }
        }
    }
}
