package dev.meridian.router.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.state.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on etcd members that serve clients over TLS only and require a client certificate
 * ({@code --client-cert-auth}): routers with {@code fleet.etcd.tls} share their changes; a router
 * that does not trust the members' CA, or has no client certificate, starts from its configuration
 * with the store unavailable and the TLS reason in {@code /admin/regions}; a TLS file that does not
 * exist stops the start with the key and the file.
 */
class FleetTlsTest {

    private static final String PREFIX = "/meridian/tls/";
    private static EtcdCluster etcd;
    /** A CA that issued nothing the members present. */
    private static Path strangerCa;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void clusterWithTls() throws Exception {
        etcd = EtcdCluster.start(1, EtcdCluster.Tls.generate());
        X509Bundle stranger = new CertificateBuilder().subject("CN=Stranger CA").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        strangerCa = Files.writeString(shared.resolve("stranger-ca.pem"), stranger.getCertificatePEM());
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private AdminFixture router(String name, String tls) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        return AdminFixture.start(home, config(tls));
    }

    private static String config(String tls) {
        return AdminFixture.withRegions(AdminFixture.fixture().fleet(etcd.clientUrls(), PREFIX, "tls: " + tls))
                .build().yaml();
    }

    /** {@code {ca: …, certificate: …, key: …}}, quoted; a {@code null} is left out. */
    private static String tls(Path ca, Path certificate, Path key) {
        StringBuilder yaml = new StringBuilder("{ca: \"").append(ca).append('"');
        if (certificate != null) {
            yaml.append(", certificate: \"").append(certificate).append('"');
        }
        if (key != null) {
            yaml.append(", key: \"").append(key).append('"');
        }
        return yaml.append('}').toString();
    }

    private static String goodTls() {
        EtcdCluster.TlsFiles files = etcd.tlsFiles();
        return tls(files.ca(), files.certificate(), files.key());
    }

    @Test
    void routersWithTheClientCertificateShareAChange() throws Exception {
        assertThat(etcd.clientUrls()).allMatch(url -> url.startsWith("https://127.0.0.1:"));
        try (AdminFixture a = router("a", goodTls()); AdminFixture b = router("b", goodTls())) {
            HttpResponse<String> drain = a.write("POST", "/admin/regions/us-east1/drain", null);
            assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(AdminFixture.region(b.regions(), "us-east1").path("state").asText()).isEqualTo("drained"));
            JsonNode regions = b.regions();
            assertThat(regions.path("store").path("state").asText()).isEqualTo("up");
            assertThat(regions.path("stale").asBoolean()).isFalse();
            assertThat(etcd.client().getKVClient().get(ByteSequence.from(PREFIX + "state/regions/us-east1", UTF_8))
                    .get(5, TimeUnit.SECONDS).getKvs()).singleElement()
                    .satisfies(kv -> assertThat(kv.getValue().toString(UTF_8)).contains("\"drained\":true"));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(AdminFixture.json(a.get("/admin/fleet", AdminFixture.READ_TOKEN)).path("instances")).hasSize(2));
        }
    }

    @Test
    void aRouterThatDoesNotTrustTheMembersCaStartsWithTheStoreUnavailable() throws Exception {
        EtcdCluster.TlsFiles files = etcd.tlsFiles();
        try (AdminFixture router = router("stranger", tls(strangerCa, files.certificate(), files.key()))) {
            assertUnavailableBecauseOfTls(router, "PKIX path building failed",
                    "the member's certificate is not issued by a CA in fleet.etcd.tls.ca");
        }
    }

    @Test
    void aRouterWithoutAClientCertificateStartsWithTheStoreUnavailable() throws Exception {
        try (AdminFixture router = router("anonymous", tls(etcd.tlsFiles().ca(), null, null))) {
            // OpenSSL names the alert (BAD_CERTIFICATE), the JDK says "bad_certificate" or "certificate_required".
            assertUnavailableBecauseOfTls(router, "certificate", "the member refused this instance's client certificate");
        }
    }

    private static void assertUnavailableBecauseOfTls(AdminFixture router, String reason, String hint) {
        JsonNode regions = router.regions();
        JsonNode store = regions.path("store");
        assertThat(store.path("state").asText()).as("%s", store).isEqualTo("unavailable");
        assertThat(store.path("since").asText()).isNotEmpty();
        assertThat(regions.path("stale").asBoolean()).isTrue();
        assertThat(store.path("problem").asText()).as("%s", store).containsIgnoringCase(reason).contains(hint);
        assertThat(AdminFixture.region(regions, "us-east1").path("effectiveWeight").asInt()).as("the configuration").isEqualTo(100);
        HttpResponse<String> write = router.write("POST", "/admin/regions/us-east1/drain", null);
        assertThat(write.statusCode()).as(write.body()).isEqualTo(503);
        assertThat(AdminFixture.json(write).path("error").asText()).isEqualTo("state_store_unavailable");
    }

    @Test
    void aTlsFileThatDoesNotExistOrIsNotPemStopsTheStartWithItsKeyAndFile() throws Exception {
        EtcdCluster.TlsFiles files = etcd.tlsFiles();
        Path missing = dir.resolve("no-such-key.pem");
        Path notPem = Files.writeString(dir.resolve("ca.txt"), "not a certificate\n");
        Path home = Files.createDirectories(dir.resolve("missing"));

        assertThatThrownBy(() -> AdminFixture.start(home, config(tls(files.ca(), files.certificate(), missing))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("fleet.etcd.tls.key: " + missing + " does not exist");
        assertThatThrownBy(() -> AdminFixture.start(home, config(tls(notPem, files.certificate(), files.key()))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("fleet.etcd.tls.ca: " + notPem + ": ");
    }
}
