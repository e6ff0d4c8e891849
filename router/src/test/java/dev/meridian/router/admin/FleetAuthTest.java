package dev.meridian.router.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.state.EtcdCluster;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.auth.Permission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on an etcd with authentication on: the configured user, allowed the fleet's prefix only,
 * reads and writes the state; a wrong password leaves the store unavailable (routing from the
 * configuration, writes refused) with etcd's reason in {@code /admin/regions}.
 */
class FleetAuthTest {

    private static final String PREFIX = "/meridian/auth/";
    private static final String PASSWORD = "meridian-etcd-password";
    private static EtcdCluster etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void clusterWithAuthentication() throws Exception {
        etcd = EtcdCluster.start(1);
        Auth auth = etcd.client().getAuthClient();
        ByteSequence root = bytes("root");
        ByteSequence meridian = bytes("meridian");
        auth.userAdd(root, bytes("root-password")).get(10, TimeUnit.SECONDS);
        auth.roleAdd(root).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(root, root).get(10, TimeUnit.SECONDS);
        auth.roleAdd(meridian).get(10, TimeUnit.SECONDS);
        // The prefix and everything below it: range [PREFIX, PREFIX with its last byte + 1).
        auth.roleGrantPermission(meridian, bytes(PREFIX), bytes("/meridian/auth0"), Permission.Type.READWRITE).get(10, TimeUnit.SECONDS);
        auth.userAdd(meridian, bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(meridian, meridian).get(10, TimeUnit.SECONDS);
        auth.authEnable().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }

    private AdminFixture router(String name, String password) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        return AdminFixture.start(home, AdminFixture.withRegions(AdminFixture.fixture()
                .fleet(List.of(etcd.clientUrl(0)), PREFIX, "username: meridian", "password: " + password)));
    }

    @Test
    void theConfiguredUserReadsAndWritesTheFleetsPrefix() throws Exception {
        try (AdminFixture a = router("a", PASSWORD); AdminFixture b = router("b", PASSWORD)) {
            assertThat(a.write("POST", "/admin/regions/us-east1/drain", null).statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(AdminFixture.region(b.regions(), "us-east1").path("state").asText()).isEqualTo("drained"));
            assertThat(b.regions().path("store").path("state").asText()).isEqualTo("up");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(AdminFixture.json(a.get("/admin/fleet", AdminFixture.READ_TOKEN)).path("instances")).hasSize(2));
        }
    }

    @Test
    void aWrongPasswordLeavesTheStoreUnavailableWithEtcdsReason() throws Exception {
        try (AdminFixture router = router("wrong", "not-the-password")) {
            JsonNode regions = router.regions();
            assertThat(regions.path("stale").asBoolean()).isTrue();
            assertThat(regions.path("store").path("problem").asText()).containsIgnoringCase("authentication failed");
            assertThat(AdminFixture.region(regions, "us-east1").path("effectiveWeight").asInt()).as("the configuration").isEqualTo(100);
            assertThat(router.write("POST", "/admin/regions/us-east1/drain", null).statusCode()).isEqualTo(503);
        }
    }
}
