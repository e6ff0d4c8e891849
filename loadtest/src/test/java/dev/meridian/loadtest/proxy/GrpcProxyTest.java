package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.grpc.GrpcChatClient;
import dev.meridian.loadtest.grpc.GrpcChatClient.ChatMessage;
import dev.meridian.loadtest.grpc.GrpcChatClient.Conversation;
import dev.meridian.testing.RouterFixture;
import io.grpc.Metadata;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the router, grpc-java on the client side and the simulated gateway's gRPC service
 * behind: a bidirectional stream exchanges messages both ways for its whole life, trailers reach the
 * client intact, a region that fails before the first response frame is failed over, and the
 * region-labelled metrics carry the grpc-status. Regions speak h2c; the router listens in plaintext
 * (grpc-java's plaintext mode is h2c with prior knowledge).
 */
class GrpcProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private ProxyFixture fixture;

    /** Two h2c regions, {@code first} and {@code second}, and the simulated gateway's chat service as a gRPC route. */
    private void start() {
        fixture = ProxyFixture.start(RouterFixture.builder()
                .region("first", 1, "protocol: h2c")
                .region("second", 1, "protocol: h2c")
                .route("chat", "/meridian.sim.v1.Chat", "grpc: true", "timeouts: {first-byte: 1h, idle: 1h, total: 1h}"));
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aBidirectionalStreamExchangesMessagesBothWaysForItsWholeLife() throws Exception {
        start();
        try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", fixture.port());
                Conversation call = client.converse(new Metadata())) {
            for (int i = 1; i <= 100; i++) {
                call.send(new ChatMessage("message " + i, i, ""));
                ChatMessage reply = call.nextReply(WAIT);
                assertThat(reply.seq()).isEqualTo(i);
                assertThat(reply.text()).isEqualTo("message " + i);
                assertThat(reply.region()).isEqualTo("first-1");
            }
            call.halfClose();

            assertThat(call.awaitClose(WAIT).getCode()).isEqualTo(Status.Code.OK);
        }
        assertThat(grpcResponses("first", "OK")).isEqualTo(1.0);
        assertThat(fixture.gateway("second").stats().requests()).isZero();
    }

    @Test
    void aRegionThatFailsBeforeTheFirstResponseFrameIsFailedOver() throws Exception {
        start();
        fixture.gateway("first").down(); // connections refused from now on

        try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", fixture.port());
                Conversation call = client.converse(new Metadata())) {
            call.send(new ChatMessage("hello", 1, ""));
            ChatMessage reply = call.nextReply(WAIT);
            assertThat(reply.region()).isEqualTo("second-1");
            call.send(new ChatMessage("again", 2, ""));
            assertThat(call.nextReply(WAIT).seq()).isEqualTo(2);
            call.halfClose();
            assertThat(call.awaitClose(WAIT).getCode()).isEqualTo(Status.Code.OK);
        }
        assertThat(grpcResponses("second", "OK")).isEqualTo(1.0);
        assertThat(fixture.router().meterRegistry().find("meridian.failovers").tag("from_region", "first")
                .tag("to_region", "second").counter()).isNotNull();
    }

    @Test
    void aStatusFromTheRegionReachesTheClientIntactAndIsCounted() throws Exception {
        start();
        Metadata fail = new Metadata();
        fail.put(GrpcChatClient.SIM_FAIL, "resource_exhausted");

        try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", fixture.port());
                Conversation call = client.converse(fail)) {
            call.send(new ChatMessage("hello", 1, ""));
            call.halfClose();
            GrpcChatClient.Outcome outcome = call.awaitOutcome(WAIT);

            assertThat(outcome.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(outcome.status().getDescription()).isNotBlank();
        }
        // A gRPC error is an answer, not a region failure: it is passed on, not retried elsewhere.
        assertThat(grpcResponses("first", "RESOURCE_EXHAUSTED")).isEqualTo(1.0);
        assertThat(fixture.gateway("second").stats().requests()).isZero();
    }

    @Test
    void whenNoRegionCanTakeTheCallTheClientGetsAGrpcStatusNotAnHttpError() throws Exception {
        start();
        fixture.gateway("first").down();
        fixture.gateway("second").down();

        try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", fixture.port());
                Conversation call = client.converse(new Metadata())) {
            call.send(new ChatMessage("hello", 1, ""));
            call.halfClose();
            Status status = call.awaitClose(WAIT);

            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).startsWith("meridian: ").doesNotContain("127.0.0.1");
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(grpcResponses("second", "UNAVAILABLE")
                + grpcResponses("first", "UNAVAILABLE")).isEqualTo(1.0));
    }

    @Test
    void aCallWithNoHttp2RegionToGoToGetsAGrpcStatusNotAnHttpError() throws Exception {
        fixture = ProxyFixture.start(RouterFixture.builder()
                .region("plain", 1)
                .route("chat", "/meridian.sim.v1.Chat", "grpc: true"));

        try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", fixture.port());
                Conversation call = client.converse(new Metadata())) {
            call.send(new ChatMessage("hello", 1, ""));
            call.halfClose();
            Status status = call.awaitClose(WAIT);

            assertThat(status.getCode()).as("refused before any region: no_upstream as gRPC's UNAVAILABLE")
                    .isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).startsWith("meridian: no_upstream");
        }
        assertThat(fixture.gateway("plain").stats().requests()).as("an HTTP/1.1 region never gets a gRPC call").isZero();
    }

    @Test
    void grpcHealthProbesMarkARegionThatIsNotServingDown() throws Exception {
        fixture = ProxyFixture.start(RouterFixture.builder()
                .health("{probe: {interval: 200ms, timeout: 1s, unhealthy-threshold: 1, healthy-threshold: 1}}")
                .region("first", 1, "protocol: h2c", "probe: grpc")
                .region("second", 1, "protocol: h2c", "probe: grpc"));
        await().atMost(WAIT).until(() -> fixture.router().healthReport().toString().contains("first"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(healthy("first")).isEqualTo(1.0));

        fixture.gateway("first").setFault(new Fault.Errors(503, 1.0, null));

        await().atMost(WAIT).untilAsserted(() -> assertThat(healthy("first")).isZero());
        assertThat(healthy("second")).isEqualTo(1.0);
    }

    private double healthy(String region) {
        return fixture.router().meterRegistry().get("meridian.region.healthy.endpoints").tag("region", region).gauge().value();
    }

    private double grpcResponses(String region, String status) {
        Counter counter = fixture.router().meterRegistry().find("meridian.grpc.responses").tag("region", region)
                .tag("grpc_status", status).counter();
        return counter == null ? 0 : counter.count();
    }
}
