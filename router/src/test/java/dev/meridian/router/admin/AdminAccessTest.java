package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call the admin API: the token file, and the refusal to expose it without tokens. */
class AdminAccessTest {

    @TempDir
    Path dir;

    @Test
    void tokensFromTheTokenFileAuthenticateBesideTheConfiguredOnes() throws IOException {
        Files.writeString(dir.resolve("tokens"), "# name:scope:secret\n\nops:write:file-secret-0123456789\nscraper:read:scrape-secret-0123\n");
        String yaml = AdminFixture.withRegions(AdminFixture.fixture("token-file: tokens")).build().yaml();

        try (AdminFixture admin = AdminFixture.start(dir, yaml)) {
            assertThat(admin.send("POST", "/admin/regions/us-east1/drain", "file-secret-0123456789", null).statusCode()).isEqualTo(200);
            assertThat(admin.send("POST", "/admin/regions/us-east1/undrain", "scrape-secret-0123", null).statusCode()).isEqualTo(403);
            assertThat(admin.get("/admin/regions", AdminFixture.READ_TOKEN).statusCode()).isEqualTo(200);
            assertThat(admin.auditLines()).singleElement().asString().contains("\"token\":\"ops\"");
        }
    }

    @Test
    void aBrokenTokenFileStopsTheStartWithItsPosition() throws IOException {
        Path tokens = Files.writeString(dir.resolve("tokens"), "ops:write:file-secret-0123456789\nbroken line\n");
        String yaml = AdminFixture.withRegions(AdminFixture.fixture("token-file: tokens")).build().yaml();
        Files.writeString(dir.resolve("meridian.yaml"), yaml);

        try (MeridianServer router = MeridianServer.start(ConfigLoader.create().load(dir.resolve("meridian.yaml")))) {
            assertThatIllegalStateException().isThrownBy(() -> AdminServer.start(router, dir.resolve("meridian.yaml")))
                    .withMessage("admin.token-file: " + tokens.toAbsolutePath().normalize()
                            + ":2:1: expected name:scope:secret (scope read or write)");
        }
    }

    @Test
    void tokenFileProblemsAreReportedByLineAndNeverShowTheSecret() {
        assertThatThrownBy(() -> TokenFile.parse("""
                a:admin:s3cret-one
                b:write:has space
                Bad_Name:read:s3cret-two
                c:read:s3cret-three
                c:read:s3cret-four
                """, "t.txt"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("""
                        t.txt:1:3: 'admin' is not a scope (expected read or write)
                        t.txt:2:1: token: <redacted> of 'b' (expected: non-empty, no whitespace)
                        t.txt:3:1: name: 'Bad_Name' is not a valid name (expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters)
                        t.txt:5:1: duplicate token name 'c' (first used on line 4)""")
                .message().doesNotContain("s3cret");
        assertThat(TokenFile.parse("x:write:a:b:c\r\n", "t.txt"))
                .containsExactly(new AdminToken("x", "a:b:c", AdminToken.Scope.WRITE));
    }

    @Test
    void aNonLoopbackAddressWithoutTokensRefusesToStart() throws IOException {
        String yaml = AdminFixture.withRegions(RouterFixture.builder().set("admin", "{address: 0.0.0.0, port: 0}"))
                .build().yaml();
        Files.writeString(dir.resolve("meridian.yaml"), yaml);

        try (MeridianServer router = MeridianServer.start(ConfigLoader.create().load(dir.resolve("meridian.yaml")))) {
            assertThatIllegalStateException().isThrownBy(() -> AdminServer.start(router, dir.resolve("meridian.yaml")))
                    .withMessageStartingWith("admin API on 0.0.0.0 (not a loopback address) without any token: refusing to start.")
                    .withMessageContaining("admin.allow-insecure: true");
        }
    }

    @Test
    void exposureRules() {
        AdminConfig open = new AdminConfig("0.0.0.0", 0, List.of());
        AdminConfig withToken = new AdminConfig("0.0.0.0", 0, List.of(new AdminToken("sre", "secret", AdminToken.Scope.WRITE)));

        assertThatIllegalStateException().isThrownBy(() -> AdminServer.checkExposure(open));
        assertThatNoException().as("explicitly allowed (with a warning)").isThrownBy(() -> AdminServer.checkExposure(open.withAllowInsecure(true)));
        assertThatNoException().isThrownBy(() -> AdminServer.checkExposure(withToken));
        assertThatNoException().as("loopback without tokens: only /healthz and /ready answer")
                .isThrownBy(() -> AdminServer.checkExposure(new AdminConfig("127.0.0.1", 0, List.of())));
        assertThatNoException().isThrownBy(() -> AdminServer.checkExposure(new AdminConfig("::1", 0, List.of())));
    }

    @Test
    void relativeAdminFilesAreResolvedAgainstTheConfigurationFilesDirectory() {
        Path config = dir.resolve("etc/meridian.yaml");

        assertThat(AdminServer.resolve(config, Path.of("state.json"))).isEqualTo(dir.resolve("etc/state.json"));
        assertThat(AdminServer.resolve(config, Path.of("../var/state.json"))).isEqualTo(dir.resolve("var/state.json"));
        assertThat(AdminServer.resolve(config, dir.resolve("abs.json"))).isEqualTo(dir.resolve("abs.json"));
        assertThat(AdminServer.resolve(null, Path.of("s.json"))).isEqualTo(Path.of("").toAbsolutePath().resolve("s.json"));
    }
}
