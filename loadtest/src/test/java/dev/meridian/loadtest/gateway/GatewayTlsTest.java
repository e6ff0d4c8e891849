package dev.meridian.loadtest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.loadtest.tls.TestCertificates;
import java.io.IOException;
import java.net.URI;
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
                int status = healthCheck(URI.create("https://" + host + ":" + gateway.port()));

                assertThat(status).as(host).isEqualTo(200);
            }
        }
    }

    @Test
    void anExpiredCertificateIsRefusedByTheClient() {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("expired")
                .withTls(certificates.expiredCertificate(), certificates.expiredKey()))) {
            assertThatThrownBy(() -> healthCheck(gateway.baseUri()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateCannotServeTls() {
        // The JDK provider only notices at the handshake; either way no TLS exchange can succeed.
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("mismatched")
                .withTls(certificates.serverCertificate(), certificates.mismatchedKey()))) {
            assertThatThrownBy(() -> healthCheck(gateway.baseUri()))
                    .isInstanceOf(IOException.class);
        } catch (IllegalArgumentException refusedAtStart) {
            assertThat(refusedAtStart).hasMessageContaining("mismatched-key.pem");
        }
    }

    /** The status of {@code GET /monitoring/healthz} at {@code base} over TLS, trusting the test CA. */
    private static int healthCheck(URI base) throws Exception {
        return client().send(HttpRequest.newBuilder(base.resolve("/monitoring/healthz")).timeout(WAIT).build(),
                BodyHandlers.discarding()).statusCode();
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(certificates.clientSslContext()).connectTimeout(WAIT).build();
    }
}
