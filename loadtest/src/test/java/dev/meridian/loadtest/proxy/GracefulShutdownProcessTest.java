package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.testing.JavaProcess;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meridian run} as a real process: SIGTERM drains an in-flight stream, then the process exits 0. */
class GracefulShutdownProcessTest {

    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void sigtermLetsAnInFlightStreamFinishStopsAcceptingAndExitsZero() throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("us-east4-1"))) {
            Path config = dir.resolve("meridian.yaml");
            Files.writeString(config, RouterFixture.builder()
                    .server("{shutdown-grace: 20s}")
                    .set("admin", "{port: 0, state-file: " + dir.resolve("state.json") + "}")
                    .regionAt("us-east4", List.of(gateway.baseUri()))
                    .build().yaml());
            try (JavaProcess child = JavaProcess.start("dev.meridian.router.Main", "run", "--config", config.toString())) {
                Process router = child.process();
                Awaitility.await("listening").atMost(Duration.ofSeconds(30))
                        .until(() -> child.find(LISTENING).isPresent() || !router.isAlive());
                int routerPort = Integer.parseInt(child.find(LISTENING).orElseThrow(
                        () -> new AssertionError("router exited before listening; " + child)).group(1));
                gateway.holdStreams(true);
                List<String> received = new CopyOnWriteArrayList<>();
                try (RawHttpClient client = new RawHttpClient(routerPort)) {
                    client.sendRequest("POST", "/v4/code/suggestions", Map.of("X-Sim-Chunks", "3"),
                            "{}".getBytes(UTF_8));
                    CompletableFuture<RawHttpClient.Response> response = client.readResponseAsync(received);
                    Awaitility.await("first event").atMost(Duration.ofSeconds(10))
                            .until(() -> String.join("", received).contains("stream_start"));

                    // SIGTERM through the handle: Process.destroy() would also close our end of its output.
                    assertThat(router.toHandle().destroy()).isTrue();

                    // "listener closed", not the signal's own "received SIGTERM; draining", which is
                    // logged before the listener closes (a connect in between would still succeed).
                    Awaitility.await("listener closed").atMost(Duration.ofSeconds(10))
                            .until(() -> child.printed("draining: listener closed") || !router.isAlive());
                    assertThat(child.printed("draining: listener closed")).as("router output: %s", child).isTrue();
                    assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", routerPort), 1000))
                            .as("no new connections while draining")
                            .isInstanceOf(IOException.class);
                    assertThat(router.isAlive()).as("still serving the in-flight stream").isTrue();

                    gateway.holdStreams(false);
                    RawHttpClient.Response done = response.get(15, TimeUnit.SECONDS);
                    assertThat(done.status()).isEqualTo(200);
                    assertThat(done.complete()).isTrue();
                    assertThat(done.text()).contains("stream_end");
                }
                assertThat(router.waitFor(20, TimeUnit.SECONDS)).as("router exited; %s", child).isTrue();
                assertThat(router.exitValue()).as("exit status; %s", child).isZero();
            }
        }
    }
}
