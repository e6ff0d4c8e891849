package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meridian.loadtest.grpc.GrpcChatClient;
import dev.meridian.loadtest.grpc.GrpcChatClient.ChatMessage;
import dev.meridian.loadtest.grpc.GrpcChatClient.Conversation;
import dev.meridian.loadtest.tls.TestCertificates;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gateway's gRPC services (Chat/Converse, Health/Check) and HTTP/2, driven by grpc-java and the
 * JDK's HTTP client over h2c and over TLS with ALPN, against one plaintext and one TLS gateway.
 */
class GrpcGatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path certificateDir;

    private static TestCertificates certificates;
    @AutoClose
    private static SimulatedGateway plaintext;
    @AutoClose
    private static SimulatedGateway tls;

    /** The two ways to reach a gateway's gRPC services. */
    enum Port {
        H2C, TLS;

        SimulatedGateway gateway() {
            return this == H2C ? plaintext : tls;
        }

        GrpcChatClient client() {
            return this == H2C
                    ? GrpcChatClient.plaintext("127.0.0.1", plaintext.port())
                    : GrpcChatClient.tls("127.0.0.1", tls.port(), certificates.caCertificate());
        }
    }

    @BeforeAll
    static void start() {
        certificates = TestCertificates.writeTo(certificateDir);
        plaintext = SimulatedGateway.start(GatewayConfig.of("us-east-1"));
        tls = SimulatedGateway.start(GatewayConfig.of("eu-west-1")
                .withTls(certificates.serverCertificate(), certificates.serverKey()));
    }

    @AfterEach
    void noFault() {
        plaintext.setFault(Fault.none());
        tls.setFault(Fault.none());
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void converseAnswersEveryMessageAsItArrivesThenEndsOkOnHalfClose(Port port) throws Exception {
        SimulatedGateway gateway = port.gateway();
        gateway.resetStats();
        try (GrpcChatClient client = port.client(); Conversation chat = client.converse(new Metadata())) {
            for (int seq = 1; seq <= 100; seq++) {
                chat.send(new ChatMessage("message " + seq, seq, ""));

                assertThat(chat.nextReply(WAIT)).as("reply to message %d, before the next is sent", seq)
                        .isEqualTo(new ChatMessage("message " + seq, seq, gateway.name()));
            }
            chat.halfClose();

            GrpcChatClient.Outcome outcome = chat.awaitOutcome(WAIT);
            assertThat(outcome.status().getCode()).isEqualTo(Status.Code.OK);
            assertThat(chat.pendingReplies()).isZero();
            assertThat(chat.awaitHeaders(WAIT).get(GrpcChatClient.SIM_GATEWAY)).isEqualTo(gateway.name());
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gateway.stats().requestsTo(ConverseCall.PATH)).isEqualTo(1);
            assertThat(gateway.stats().responsesCompleted()).isEqualTo(1);
            assertThat(gateway.stats().cancelled()).isZero();
        });
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void simFailAnswersTrailersOnlyWithThatStatusAndNoMessage(Port port) throws Exception {
        Metadata headers = new Metadata();
        headers.put(GrpcChatClient.SIM_FAIL, "unavailable");
        try (GrpcChatClient client = port.client(); Conversation chat = client.converse(headers)) {
            chat.send(new ChatMessage("never answered", 1, ""));

            Status status = chat.awaitClose(WAIT);

            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).contains("x-sim-fail");
            assertThat(chat.pendingReplies()).isZero();
            assertThat(chat.receivedHeaders()).as("trailers-only: no response headers before the status").isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void unknownMethodIsUnimplemented(Port port) throws Exception {
        try (GrpcChatClient client = port.client();
                Conversation call = client.call("meridian.sim.v1.Chat/Monologue", new Metadata())) {
            call.halfClose();

            Status status = call.awaitClose(WAIT);

            assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(status.getDescription()).contains("/meridian.sim.v1.Chat/Monologue");
        }
    }

    @ParameterizedTest
    @EnumSource(Port.class)
    void healthIsServingUntilTheControlApiFailsTheGateway(Port port) throws Exception {
        SimulatedGateway gateway = port.gateway();
        try (GrpcChatClient client = port.client()) {
            assertThat(client.health("", WAIT)).isEqualTo(ServingStatus.SERVING);
            assertThat(client.health("meridian.sim.v1.Chat", WAIT)).isEqualTo(ServingStatus.SERVING);

            HttpResponse<String> put = control(gateway, "PUT", "/fault", "{\"mode\":\"errors\",\"status\":503,\"rate\":1.0}");
            assertThat(put.statusCode()).isEqualTo(200);

            assertThat(client.health("", WAIT)).isEqualTo(ServingStatus.NOT_SERVING);
            assertThat(client.health("meridian.sim.v1.Chat", WAIT)).isEqualTo(ServingStatus.NOT_SERVING);

            control(gateway, "PUT", "/fault", "{\"mode\":\"none\"}");
            assertThat(client.health("", WAIT)).isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void healthOfAnUnknownServiceIsNotFoundAsTheHealthProtocolSays() {
        try (GrpcChatClient client = Port.H2C.client()) {
            assertThatThrownBy(() -> client.health("some.other.Service", WAIT))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    @Test
    void errorsFaultFailsConverseWithUnavailable() throws Exception {
        plaintext.setFault(Fault.errors(503, 1.0, Duration.ofSeconds(2)));
        try (GrpcChatClient client = Port.H2C.client(); Conversation chat = client.converse(new Metadata())) {
            GrpcChatClient.Outcome outcome = chat.awaitOutcome(WAIT);

            assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(outcome.trailers().get(Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER)))
                    .isEqualTo("2000");
        }
    }

    @Test
    void resetMidStreamFaultResetsTheStreamAfterThatManyAnswers() throws Exception {
        plaintext.setFault(Fault.resetMidStream(2));
        try (GrpcChatClient client = Port.H2C.client(); Conversation chat = client.converse(new Metadata())) {
            for (int seq = 1; seq <= 2; seq++) {
                chat.send(new ChatMessage("m", seq, ""));
                assertThat(chat.nextReply(WAIT).seq()).isEqualTo(seq);
            }
            chat.send(new ChatMessage("m", 3, ""));

            assertThat(chat.awaitClose(WAIT).getCode()).as("RST_STREAM(INTERNAL_ERROR)").isEqualTo(Status.Code.INTERNAL);
            assertThat(chat.pendingReplies()).isZero();
        }
    }

    @Test
    void delayFirstHoldsBackTheFirstAnswerOnly() throws Exception {
        Metadata headers = new Metadata();
        headers.put(GrpcChatClient.SIM_DELAY_FIRST, "200ms");
        try (GrpcChatClient client = Port.H2C.client(); Conversation chat = client.converse(headers)) {
            long started = System.nanoTime();
            chat.send(new ChatMessage("first", 1, ""));

            assertThat(chat.nextReply(WAIT).seq()).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a delay is never shorter")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(200));
            chat.send(new ChatMessage("second", 2, ""));
            assertThat(chat.nextReply(WAIT).seq()).isEqualTo(2);
            chat.halfClose();
            assertThat(chat.awaitClose(WAIT).isOk()).isTrue();
        }
    }

    @Test
    void aClientThatDoesNotReadIsHeldBackByFlowControlAndThenGetsEveryAnswer() throws Exception {
        int messages = 4_000;
        String text = "x".repeat(1_000);
        plaintext.resetStats();
        try (GrpcChatClient client = Port.H2C.client(); Conversation chat = client.converse(new Metadata())) {
            chat.pauseReplies();
            for (int seq = 1; seq <= messages; seq++) {
                chat.send(new ChatMessage(text, seq, ""));
            }

            long total = (long) messages * text.length();
            await().atMost(WAIT).until(() -> plaintext.stats().bytesReceived() >= 64 * 1024);
            await().atMost(WAIT).during(Duration.ofMillis(500)).until(() -> !chat.isReady());
            assertThat(plaintext.stats().bytesReceived()).as("flow control holds the rest back")
                    .isLessThan(total / 2);

            chat.requestAll();
            chat.halfClose();
            assertThat(chat.awaitClose(WAIT).isOk()).isTrue();
            assertThat(chat.pendingReplies()).as("one answer per message, none lost").isEqualTo(messages);
        }
    }

    @Test
    void goingDownEndsOpenCallsWithUnavailableAndDoesNotCountThemAsCancelledByTheClient() throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("going-down"));
                GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", gateway.port());
                Conversation chat = client.converse(new Metadata())) {
            chat.send(new ChatMessage("before", 1, ""));
            assertThat(chat.nextReply(WAIT).region()).isEqualTo("going-down");

            gateway.down();

            assertThat(chat.awaitClose(WAIT).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(gateway.stats().cancelled()).isZero();
            assertThat(gateway.stats().responsesCompleted()).isZero();
        }
    }

    @Test
    void restWorksOverTlsWithBothAlpnProtocols() throws Exception {
        for (HttpClient.Version version : HttpClient.Version.values()) {
            HttpClient client = HttpClient.newBuilder().version(version).sslContext(certificates.clientSslContext())
                    .connectTimeout(WAIT).build();

            HttpResponse<String> response = client.send(HttpRequest.newBuilder(tls.baseUri().resolve("/v2/code/completions"))
                    .POST(BodyPublishers.ofString("{}")).timeout(WAIT).build(), BodyHandlers.ofString());

            assertThat(tls.baseUri().getScheme()).isEqualTo("https");
            assertThat(response.version()).as("ALPN picked what the client asked for").isEqualTo(version);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"choices\"");
            assertThat(response.headers().firstValue(SimHeaders.GATEWAY)).hasValue("eu-west-1");
        }
    }

    @Test
    void restStillWorksInHttp11OnThePlaintextPortBesideH2c() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(plaintext.baseUri().resolve("/monitoring/healthz"))
                .timeout(WAIT).build(), BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
    }

    private static HttpResponse<String> control(SimulatedGateway gateway, String method, String path, String body)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
        URI uri = gateway.controlUri().resolve(path);
        return client.send(HttpRequest.newBuilder(uri).method(method, BodyPublishers.ofString(body)).timeout(WAIT).build(),
                BodyHandlers.ofString());
    }
}
