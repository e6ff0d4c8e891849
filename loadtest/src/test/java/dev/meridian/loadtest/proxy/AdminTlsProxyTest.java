package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over TLS with required client certificates (mutual TLS), on top of its bearer tokens. */
class AdminTlsProxyTest {

    private static final String TOKEN = "admin-tls-test-token-0123456789";

    @TempDir
    Path dir;

    @AutoClose
    private ProxyFixture fixture;
    private TlsFiles tls;

    @BeforeEach
    void setUp() throws Exception {
        tls = TlsFiles.create(dir);
        Path[] pair = tls.write("admin", tls.server("meridian-admin"));
        Path clientCa = tls.writeCa();
        fixture = ProxyFixture.of(ProxyFixture.oneRegion(1)
                .set("admin", "address: 127.0.0.1", "port: 0", "tokens: [{name: sre, token: " + TOKEN + ", scope: write}]",
                        "tls: {certificate: '" + pair[0] + "', key: '" + pair[1] + "', client-ca: '" + clientCa + "'}"))
                .withAdmin(() -> dir)
                .start();
    }

    private HttpResponse<String> get(SSLContext context, String path, boolean withToken) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + fixture.admin().address().getPort() + path)).timeout(Duration.ofSeconds(10));
        if (withToken) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCallerWithACertificateFromTheClientCaAndATokenIsServed() throws Exception {
        SSLContext withCertificate = tls.clientContext(tls.client("sre-laptop"));

        assertThat(get(withCertificate, "/admin/regions", true).statusCode()).isEqualTo(200);
        assertThat(get(withCertificate, "/admin/regions", false).statusCode()).isEqualTo(401);
    }

    @Test
    void aCallerWithoutAClientCertificateIsRefusedInTheHandshake() throws Exception {
        SSLContext anonymous = tls.clientContext(null);

        assertThatThrownBy(() -> get(anonymous, "/healthz", true)).isInstanceOf(IOException.class);
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        TlsFiles stranger = TlsFiles.create(dir); // another CA, kept in memory
        SSLContext foreign = SSLContext.getInstance("TLS");
        foreign.init(stranger.client("intruder").toKeyManagerFactory().getKeyManagers(),
                tls.ca.toTrustManagerFactory().getTrustManagers(), null);

        assertThatThrownBy(() -> get(foreign, "/admin/regions", true)).isInstanceOf(IOException.class);
    }
}
