package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import io.netty.pkitesting.X509Bundle;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the client listener: ALPN picks h2 or http/1.1 and both reach the region; a renewed
 * certificate is used for new handshakes without a restart while open connections carry on; bad
 * certificate files stop the start with a message that says what is wrong. Plaintext listeners
 * speak h2c after an {@code Upgrade: h2c}.
 */
class TlsListenerProxyTest {

    @TempDir
    Path dir;

    private SimulatedGateway gateway;
    private MeridianServer router;
    private TlsFiles tls;

    @BeforeEach
    void setUp() throws Exception {
        gateway = SimulatedGateway.start(GatewayConfig.of("us-east4-1"));
        tls = TlsFiles.create(dir);
    }

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
        }
        gateway.close();
    }

    private MeridianServer start(RouterFixture.Builder fixture) {
        return MeridianServer.start(fixture.regionAt("us-east4", List.of(gateway.baseUri())).build().config());
    }

    /** Starts the router with a TLS listener on {@code certificate}, written as the server pair; returns the pair's files. */
    private Path[] startListeningWith(X509Bundle certificate) throws Exception {
        Path[] pair = tls.write("server", certificate);
        router = start(tlsListen(pair));
        return pair;
    }

    private static RouterFixture.Builder tlsListen(Path[] pair) {
        return RouterFixture.builder().tls(pair[0], pair[1], "reload-interval: 1s");
    }

    private static HttpClient client(SSLContext context, HttpClient.Version version) {
        return HttpClient.newBuilder().sslContext(context).version(version).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> get(HttpClient client, String scheme, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + router.port() + path))
                .timeout(Duration.ofSeconds(10)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void alpnH2AndHttp11OverTlsBothReachTheRegion() throws Exception {
        startListeningWith(tls.server("meridian-test"));
        SSLContext context = tls.clientContext(null);

        HttpResponse<String> h2 = get(client(context, HttpClient.Version.HTTP_2), "https", "/echo");
        HttpResponse<String> h1 = get(client(context, HttpClient.Version.HTTP_1_1), "https", "/echo");

        assertThat(h2.statusCode()).isEqualTo(200);
        assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(h2.headers().firstValue("x-meridian-region")).hasValue("us-east4");
        assertThat(h1.statusCode()).isEqualTo(200);
        assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(h1.headers().firstValue("x-meridian-region")).hasValue("us-east4");
        // The region learns the client came over TLS, and nothing of HTTP/2's internals leaks to it.
        assertThat(h2.body()).containsIgnoringCase("x-forwarded-proto").contains("https").doesNotContain("x-http2");
        assertThat(gateway.stats().requests()).isEqualTo(2);
    }

    @Test
    void aRenewedCertificateIsUsedForNewHandshakesWithoutARestart() throws Exception {
        X509Bundle first = tls.server("first");
        Path[] pair = startListeningWith(first);
        SSLContext context = tls.clientContext(null);
        HttpClient keptOpen = client(context, HttpClient.Version.HTTP_2);
        assertThat(get(keptOpen, "https", "/echo").statusCode()).isEqualTo(200);
        assertThat(peerCertificate(context).getSerialNumber()).isEqualTo(first.getCertificate().getSerialNumber());

        X509Bundle second = tls.server("second");
        tls.write("server", second);

        BigInteger renewed = second.getCertificate().getSerialNumber();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> peerCertificate(context).getSerialNumber().equals(renewed));
        // The connection opened before the renewal still works.
        assertThat(get(keptOpen, "https", "/echo").statusCode()).isEqualTo(200);
    }

    @Test
    void aBrokenRenewalIsRefusedAndTheOldCertificateStays() throws Exception {
        X509Bundle first = tls.server("first");
        Path[] pair = startListeningWith(first);
        SSLContext context = tls.clientContext(null);

        // A key that belongs to another certificate.
        TlsFiles.replace(pair[1], tls.server("other").getPrivateKeyPEM());
        TlsFiles.replace(pair[0], tls.server("second").getCertificatePathPEM());

        // Give the watcher a few checks; the old pair keeps serving throughout.
        for (int i = 0; i < 3; i++) {
            await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
                    .until(() -> peerCertificate(context).getSerialNumber().equals(first.getCertificate().getSerialNumber()));
        }
        assertThat(get(client(context, HttpClient.Version.HTTP_2), "https", "/echo").statusCode()).isEqualTo(200);

        // The watcher still works after a refusal: a good pair is taken up.
        X509Bundle fixed = tls.server("fixed");
        tls.write("server", fixed);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> peerCertificate(context).getSerialNumber().equals(fixed.getCertificate().getSerialNumber()));
    }

    @Test
    void anExpiredCertificateStopsTheStartWithAClearMessage() throws Exception {
        X509Bundle expired = tls.server("expired", Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1));
        Path[] pair = tls.write("server", expired);

        assertThatThrownBy(() -> start(tlsListen(pair)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listen.tls.certificate")
                .hasMessageContaining(pair[0].toString())
                .hasMessageContaining("expired on");
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateStopsTheStart() throws Exception {
        Path[] pair = tls.write("server", tls.server("one"));
        TlsFiles.replace(pair[1], tls.server("two").getPrivateKeyPEM());

        assertThatThrownBy(() -> start(tlsListen(pair)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listen.tls.key")
                .hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void missingFilesStopTheStart() {
        Path[] pair = {dir.resolve("nope.pem"), dir.resolve("nope-key.pem")};

        assertThatThrownBy(() -> start(tlsListen(pair)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void aPlaintextListenerSpeaksH2cAfterAnUpgrade() throws Exception {
        router = start(RouterFixture.builder());
        HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

        HttpResponse<String> upgraded = get(h2c, "http", "/echo");
        HttpResponse<String> next = get(h2c, "http", "/echo");

        assertThat(upgraded.statusCode()).isEqualTo(200);
        assertThat(upgraded.headers().firstValue("x-meridian-region")).hasValue("us-east4");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(gateway.stats().requests()).isEqualTo(2);
    }

    /** The certificate a fresh TLS handshake with the router presents. */
    private X509Certificate peerCertificate(SSLContext context) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", router.port())) {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
