package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client that leaves cancels its upstream exchange. */
class CancellationProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1));

    @Test
    void aClientThatDisconnectsMidStreamClosesTheUpstreamExchange() throws Exception {
        fixture.gateway(0).holdStreams(true);
        leaveOnceTheGatewayHas("/v2/chat/agent", Map.of("X-Sim-Chunks", "5"));
        Awaitility.await("the gateway saw its client (the router) go away").atMost(Duration.ofSeconds(5))
                .until(() -> fixture.gateway(0).stats().cancelled() == 1);
        fixture.gateway(0).holdStreams(false);
        assertThat(fixture.gateway(0).stats().responsesCompleted()).isZero();
    }

    @Test
    void aClientThatDisconnectsWhileWaitingForTheFirstByteClosesTheUpstreamExchange() throws Exception {
        leaveOnceTheGatewayHas("/v2/code/completions", Map.of("X-Sim-Delay", "10s"));
        Awaitility.await("the gateway saw the router cancel").atMost(Duration.ofSeconds(5))
                .until(() -> fixture.gateway(0).stats().cancelled() == 1);
    }

    /** Sends a POST to {@code path} and disconnects once the gateway has received it. */
    private void leaveOnceTheGatewayHas(String path, Map<String, String> headers) throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", path, headers, "{}".getBytes(UTF_8));
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> fixture.gateway(0).stats().requests() == 1);
        }
    }
}
