package dev.meridian.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.config.HealthConfig;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.ProbeKind;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.UpstreamProtocol;
import dev.meridian.config.UpstreamTlsConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import dev.meridian.testing.TestUpstream;
import dev.meridian.testing.TestUpstream.GrpcAnswer;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Active probes of HTTP/2 (h2c and h2), HTTPS and gRPC regions, against Netty servers on
 * loopback: what goes on the wire, when an endpoint is up, and what the report says when not.
 */
class ProtocolProbeTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    private static X509Bundle root;
    private static X509Bundle otherRoot;
    /** Issued by {@link #root} for 127.0.0.1 (an IP SAN): endpoints listed by address verify without server-name. */
    private static X509Bundle forLoopback;
    /** Issued by {@link #root} for {@code upstream.test} only. */
    private static X509Bundle forName;

    @TempDir
    static Path dir;
    private static Path caFile;

    @BeforeAll
    static void certificates() throws Exception {
        root = new CertificateBuilder().subject("CN=Meridian Test Root").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        otherRoot = new CertificateBuilder().subject("CN=Somebody Else's Root").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        forLoopback = leaf().subject("CN=gateway").addSanIpAddress("127.0.0.1").buildIssuedBy(root);
        forName = leaf().subject("CN=upstream.test").addSanDnsName("upstream.test").buildIssuedBy(root);
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, root.getCertificatePEM(), StandardCharsets.US_ASCII);
    }

    private static CertificateBuilder leaf() {
        return new CertificateBuilder().ecp256()
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth();
    }

    /** Probes every 20ms ± 20%, 1s timeout, down after 2 failures, up after 2 successes. */
    private static HealthConfig fastProbes() {
        return HealthConfig.ofDefaults().withProbe(
                new ProbeConfig(true, "/monitoring/healthz", Duration.ofMillis(20), 0.2, Duration.ofSeconds(1), 2, 2));
    }

    private static RoutingTable table(URI endpoint, UpstreamProtocol protocol, @Nullable UpstreamTlsConfig tls,
                                      ProbeKind probe, String grpcService) {
        return RoutingTable.build(List.of(
                new RegionConfig("r0", null, 100, List.of(endpoint), protocol, tls, probe, grpcService)));
    }

    private static UpstreamTlsConfig trusting(Path ca) {
        return new UpstreamTlsConfig(ca, null, true);
    }

    /** Probes {@code table} until a good probe measured the region's latency (nothing else sets it). */
    private static void awaitGoodProbe(HealthRegistry health, RoutingTable table) {
        Region region = Tables.region(table, 0);
        await().atMost(BOUND).until(() -> health.latencyNanos(region) > 0);
        assertThat(health.isAvailable(Tables.endpoint(table, 0, 0))).isTrue();
        assertThat(problem(health)).isNull();
    }

    /** Probes until the endpoint is down; returns the report's problem. */
    private static @Nullable String awaitDown(HealthRegistry health, RoutingTable table) {
        Endpoint endpoint = Tables.endpoint(table, 0, 0);
        await().atMost(BOUND).until(() -> !health.isAvailable(endpoint));
        assertThat(health.latencyNanos(Tables.region(table, 0))).as("no good probe").isEqualTo(-1);
        return problem(health);
    }

    private static @Nullable String problem(HealthRegistry health) {
        return health.report().regions().get(0).endpoints().get(0).lastProbeProblem();
    }

    // ---- HTTP probes over HTTP/2 and TLS ----

    @Test
    void h2cRegionIsProbedOverCleartextHttp2WithANewConnectionPerProbe() throws Exception {
        try (TestUpstream target = TestUpstream.h2c("target")) {
            RoutingTable table = table(target.uri("http"), UpstreamProtocol.H2C, null, ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
                await().atMost(BOUND).until(() -> target.received().size() >= 3);
                TestUpstream.Request first = target.received().get(0);
                assertThat(first.protocol()).isEqualTo("h2");
                assertThat(first.method()).isEqualTo("GET");
                assertThat(first.path()).isEqualTo("/monitoring/healthz");
                assertThat(first.authority()).isEqualTo(Tables.endpoint(table, 0, 0).label());
                assertThat(target.connections.get()).as("a new connection per probe")
                        .isGreaterThanOrEqualTo(3);
            }
        }
    }

    @Test
    void h2cEndpointAnswering503GoesDown() throws Exception {
        try (TestUpstream target = TestUpstream.h2c("target").status(503)) {
            RoutingTable table = table(target.uri("http"), UpstreamProtocol.H2C, null, ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                assertThat(awaitDown(health, table)).isEqualTo("HTTP 503");
            }
        }
    }

    @ParameterizedTest(name = "{0} region: ALPN chose {1}")
    @CsvSource({"H2, h2", "H1, http/1.1"})
    void tlsRegionIsProbedOverTlsWithTheProtocolItSpeaks(UpstreamProtocol protocol, String alpn) throws Exception {
        try (TestUpstream target = TestUpstream.alpn("target", forLoopback)) {
            RoutingTable table = table(target.uri("https"), protocol, trusting(caFile), ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
                TestUpstream.Request first = target.received().get(0);
                assertThat(first.protocol()).as("ALPN offered only what the region speaks").isEqualTo(alpn);
                assertThat(first.path()).isEqualTo("/monitoring/healthz");
                assertThat(first.authority()).isEqualTo(Tables.endpoint(table, 0, 0).label());
                assertThat(first.sni()).as("no SNI for an IP address (RFC 6066, 3)").isEmpty();
            }
        }
    }

    @Test
    void serverNameIsSentAsSniAndVerifiedAgainstTheCertificate() throws Exception {
        try (TestUpstream target = TestUpstream.alpn("target", forName)) {
            UpstreamTlsConfig tls = new UpstreamTlsConfig(caFile, "upstream.test", true);
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H2, tls, ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
                assertThat(target.received().get(0).sni()).isEqualTo("upstream.test");
            }
        }
    }

    @Test
    void certificateForAnotherNameTakesTheEndpointDown() throws Exception {
        try (TestUpstream target = TestUpstream.alpn("target", forName)) {
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H1, trusting(caFile), ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                assertThat(awaitDown(health, table))
                        .startsWith("TLS: the endpoint's certificate does not match the name checked")
                        .contains("127.0.0.1")
                        .contains("server-name");
                assertThat(target.received()).as("nothing is sent to an unverified endpoint").isEmpty();
            }
        }
    }

    @Test
    void certificateFromAnUnknownCaTakesTheEndpointDown() throws Exception {
        X509Bundle foreign = leaf().subject("CN=gateway").addSanIpAddress("127.0.0.1").buildIssuedBy(otherRoot);
        try (TestUpstream target = TestUpstream.alpn("target", foreign)) {
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H2, trusting(caFile), ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                assertThat(awaitDown(health, table))
                        .startsWith("TLS: the endpoint's certificate is not signed by a trusted CA (unknown CA");
                assertThat(target.received()).isEmpty();
            }
        }
    }

    @Test
    void expiredCertificateTakesTheEndpointDown() throws Exception {
        Instant now = Instant.now();
        X509Bundle expired = leaf().subject("CN=gateway").addSanIpAddress("127.0.0.1")
                .notBefore(now.minus(Duration.ofDays(30))).notAfter(now.minus(Duration.ofDays(1))).buildIssuedBy(root);
        try (TestUpstream target = TestUpstream.alpn("target", expired)) {
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H1, trusting(caFile), ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                assertThat(awaitDown(health, table)).contains("TLS: the endpoint's certificate").contains("expired");
            }
        }
    }

    @Test
    void withVerifyOffAnyCertificateIsAccepted() throws Exception {
        X509Bundle foreign = leaf().subject("CN=elsewhere").addSanDnsName("elsewhere.test").buildIssuedBy(otherRoot);
        try (TestUpstream target = TestUpstream.alpn("target", foreign)) {
            UpstreamTlsConfig tls = new UpstreamTlsConfig(caFile, null, false);
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H2, tls, ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
            }
        }
    }

    @Test
    void unreadableCaFileFailsTheProbesWithTheReason() throws Exception {
        try (TestUpstream target = TestUpstream.alpn("target", forLoopback)) {
            Path missing = dir.resolve("missing-ca.pem");
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H1, trusting(missing), ProbeKind.HTTP, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                assertThat(awaitDown(health, table)).startsWith("TLS not set up: ").contains(missing.toString());
                assertThat(target.connections.get()).isZero();
            }
        }
    }

    // ---- gRPC health probes ----

    @Test
    void grpcServingIsUpAndTheRequestIsTheStandardHealthCheck() throws Exception {
        try (TestUpstream target = TestUpstream.h2c("target").grpc(GrpcAnswer.SERVING)) {
            RoutingTable table = table(target.uri("http"), UpstreamProtocol.H2C, null, ProbeKind.GRPC, "meridian.Gateway");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
                TestUpstream.Request first = target.received().get(0);
                assertThat(first.method()).isEqualTo("POST");
                assertThat(first.path()).isEqualTo("/grpc.health.v1.Health/Check");
                assertThat(first.contentType()).isEqualTo("application/grpc");
                assertThat(first.te()).isEqualTo("trailers");
                byte[] service = "meridian.Gateway".getBytes(StandardCharsets.UTF_8);
                byte[] expected = new byte[5 + 2 + service.length];
                expected[4] = (byte) (2 + service.length); // uncompressed, length 18
                expected[5] = 0x0A;                        // field 1, length-delimited
                expected[6] = (byte) service.length;
                System.arraycopy(service, 0, expected, 7, service.length);
                assertThat(first.body()).isEqualTo(expected);
            }
        }
    }

    @Test
    void grpcOverTlsIsProbedWithHttp2() throws Exception {
        try (TestUpstream target = TestUpstream.alpn("target", forLoopback).grpc(GrpcAnswer.SERVING)) {
            RoutingTable table = table(target.uri("https"), UpstreamProtocol.H2, trusting(caFile), ProbeKind.GRPC, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();

                awaitGoodProbe(health, table);
                assertThat(target.received().get(0).body()).as("empty service: an empty message")
                        .containsExactly(0, 0, 0, 0, 0);
            }
        }
    }

    @Test
    void grpcNotServingIsDown() throws Exception {
        assertThat(grpcProblem(GrpcAnswer.NOT_SERVING)).isEqualTo("grpc health: NOT_SERVING");
    }

    @Test
    void grpcServiceUnknownIsDown() throws Exception {
        assertThat(grpcProblem(GrpcAnswer.SERVICE_UNKNOWN)).isEqualTo("grpc health: SERVICE_UNKNOWN");
    }

    @Test
    void grpcUnimplementedTrailersOnlyIsDownWithTheStatusAndMessage() throws Exception {
        assertThat(grpcProblem(GrpcAnswer.UNIMPLEMENTED))
                .isEqualTo("grpc-status 12 (UNIMPLEMENTED): unknown service grpc.health.v1.Health");
    }

    @Test
    void grpcMalformedAnswerIsDown() throws Exception {
        assertThat(grpcProblem(GrpcAnswer.MALFORMED)).isEqualTo("grpc health: malformed response: truncated varint");
    }

    private static @Nullable String grpcProblem(GrpcAnswer answer) throws Exception {
        try (TestUpstream target = TestUpstream.h2c("target").grpc(answer)) {
            RoutingTable table = table(target.uri("http"), UpstreamProtocol.H2C, null, ProbeKind.GRPC, "");
            try (HealthRegistry health = HealthRegistry.create(table, fastProbes())) {
                health.startProbes();
                return awaitDown(health, table);
            }
        }
    }

    @Test
    void grpcServerSwitchingToNotServingGoesDownAfterTheUnhealthyThresholdAndBack() throws Exception {
        try (TestUpstream target = TestUpstream.h2c("target").grpc(GrpcAnswer.SERVING)) {
            RoutingTable table = table(target.uri("http"), UpstreamProtocol.H2C, null, ProbeKind.GRPC, "");
            Endpoint endpoint = Tables.endpoint(table, 0, 0);
            HealthConfig config = HealthConfig.ofDefaults().withProbe(
                    new ProbeConfig(true, "/monitoring/healthz", Duration.ofMillis(20), 0.2, Duration.ofSeconds(1), 3, 2));
            try (HealthRegistry health = HealthRegistry.create(table, config)) {
                target.observe(() -> health.isAvailable(endpoint));
                health.startProbes();
                awaitGoodProbe(health, table);

                target.grpc(GrpcAnswer.NOT_SERVING);
                await().atMost(BOUND).until(() -> !health.isAvailable(endpoint));
                assertThat(problem(health)).isEqualTo("grpc health: NOT_SERVING");
                target.grpc(GrpcAnswer.SERVING);
                await().atMost(BOUND).until(() -> health.isAvailable(endpoint));

                // Each request records what was answered, and whether the endpoint was available when it arrived.
                List<TestUpstream.Request> requests = target.received();
                int firstNotServing = indexOf(requests, GrpcAnswer.NOT_SERVING, 0);
                int servingAgain = indexOf(requests, GrpcAnswer.SERVING, firstNotServing);
                assertThat(servingAgain - firstNotServing).as("at least 3 NOT_SERVING answers").isGreaterThanOrEqualTo(3);
                assertThat(requests.subList(firstNotServing, firstNotServing + 3))
                        .extracting(TestUpstream.Request::observed)
                        .as("up through two NOT_SERVING answers; down after the third")
                        .containsExactly(true, true, true);
                assertThat(requests.get(firstNotServing + 3).observed()).isFalse();
                assertThat(requests.subList(servingAgain, servingAgain + 2))
                        .extracting(TestUpstream.Request::observed)
                        .as("one SERVING answer is not enough to come back")
                        .containsExactly(false, false);
            }
        }
    }

    private static int indexOf(List<TestUpstream.Request> requests, GrpcAnswer answer, int from) {
        for (int i = from; i < requests.size(); i++) {
            if (requests.get(i).answer() == answer) {
                return i;
            }
        }
        throw new AssertionError("no " + answer + " answer after request " + from);
    }

    @Test
    void tlsAddressNamesTheResolvedAddressWithoutALookup() {
        InetSocketAddress resolved = new InetSocketAddress(InetAddress.getLoopbackAddress(), 443);
        InetSocketAddress named = Prober.tlsAddress(resolved, "upstream.test");
        assertThat(named.getHostString()).isEqualTo("upstream.test");
        assertThat(named.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(named.isUnresolved()).isFalse();
        assertThat(named.getPort()).isEqualTo(443);
    }
}
