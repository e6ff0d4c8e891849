package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.loadtest.tls.TestCertificates;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data port's TLS set-up, and the {@link TestCertificates} other tests rely on. */
class GatewayTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    private static TestCertificates certificates;

    @BeforeAll
    static void certificates() {
        certificates = TestCertificates.writeTo(dir);
    }

    @Test
    void unreadableCertificateFilesFailTheStartNamingThem() {
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> SimulatedGateway.start(GatewayConfig.of("bad").withTls(missing, certificates.serverKey())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.pem");
    }

    @Test
    void aClientTrustingTheTestCaAcceptsTheServerCertificateForTheLoopbackAddressAndLocalhost() throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("tls")
                .withTls(certificates.serverCertificate(), certificates.serverKey()))) {
            for (String host : new String[] {TestCertificates.IP, TestCertificates.HOST}) {
                int status = client().send(HttpRequest.newBuilder(
                        java.net.URI.create("https://" + host + ":" + gateway.port() + "/monitoring/healthz"))
                        .timeout(WAIT).build(), BodyHandlers.discarding()).statusCode();

                assertThat(status).as(host).isEqualTo(200);
            }
        }
    }

    @Test
    void anExpiredCertificateIsRefusedByTheClient() {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("expired")
                .withTls(certificates.expiredCertificate(), certificates.expiredKey()))) {
            assertThatThrownBy(() -> client().send(HttpRequest.newBuilder(gateway.baseUri().resolve("/monitoring/healthz"))
                    .timeout(WAIT).build(), BodyHandlers.discarding()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateCannotServeTls() {
        // The JDK provider only notices at the handshake; either way no TLS exchange can succeed.
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("mismatched")
                .withTls(certificates.serverCertificate(), certificates.mismatchedKey()))) {
            assertThatThrownBy(() -> client().send(HttpRequest.newBuilder(gateway.baseUri().resolve("/monitoring/healthz"))
                    .timeout(WAIT).build(), BodyHandlers.discarding()))
                    .isInstanceOf(IOException.class);
        } catch (IllegalArgumentException refusedAtStart) {
            assertThat(refusedAtStart).hasMessageContaining("mismatched-key.pem");
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(certificates.clientSslContext()).connectTimeout(WAIT).build();
    }
}
