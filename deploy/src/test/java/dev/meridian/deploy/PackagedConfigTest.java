package dev.meridian.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configurations the image and the Debian package ship are the example
 * ({@code src/examples/meridian.yaml}) with a few keys changed by {@code package} (deploy/pom.xml):
 * those keys have the values the deployments need, and every other key is the example's, so that
 * a change to the example cannot quietly break the packaged copies (or leave them behind).
 */
class PackagedConfigTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final ConfigLoader LOADER = ConfigLoader.create().withEnvironment(Map.of(
            "MERIDIAN_ADMIN_TOKEN", "packaged-config-test-admin-0123456789",
            "MERIDIAN_METRICS_TOKEN", "packaged-config-test-metrics-0123456789"));
    private static final MeridianConfig EXAMPLE = LOADER.load(MODULE.resolve("../src/examples/meridian.yaml").normalize());

    @Test
    void theImagesConfigurationKeepsItsStateInTheVolumeAndServesTheAdminApiOnEveryInterface() {
        MeridianConfig image = LOADER.load(MODULE.resolve("target/container/meridian.yaml"));

        assertStateInVarLib(image);
        assertThat(image.admin().address()).as("probes and Prometheus reach it from outside the container").isEqualTo("0.0.0.0");
        assertThat(image.admin().tokens()).as("a non-loopback admin API needs tokens").isNotEmpty();
        assertThat(image.accessLog().file()).as("standard output, where container logs are collected").isNull();
        assertThat(image).usingRecursiveComparison().ignoringFields("admin").isEqualTo(EXAMPLE);
        assertThat(image.admin()).usingRecursiveComparison().ignoringFields("address", "stateFile", "auditFile")
                .isEqualTo(EXAMPLE.admin());
    }

    @Test
    void thePackagesConfigurationKeepsItsStateInVarLibAndItsAccessLogInVarLog() {
        MeridianConfig deb = LOADER.load(MODULE.resolve("target/deb/meridian.yaml"));

        assertStateInVarLib(deb);
        assertThat(deb.admin().address()).as("loopback, as in the example").isEqualTo("127.0.0.1");
        assertThat(deb.accessLog().file()).isEqualTo(Path.of("/var/log/meridian/access.log"));
        assertThat(deb).usingRecursiveComparison().ignoringFields("admin", "accessLog").isEqualTo(EXAMPLE);
        assertThat(deb.admin()).usingRecursiveComparison().ignoringFields("stateFile", "auditFile").isEqualTo(EXAMPLE.admin());
        assertThat(deb.accessLog()).usingRecursiveComparison().ignoringFields("file").isEqualTo(EXAMPLE.accessLog());
    }

    /** Both packagings keep the admin state and the audit log in {@code /var/lib/meridian} (the image's volume). */
    private static void assertStateInVarLib(MeridianConfig packaged) {
        assertThat(packaged.admin().stateFile()).isEqualTo(Path.of("/var/lib/meridian/meridian-state.json"));
        assertThat(packaged.admin().auditFile()).isEqualTo(Path.of("/var/lib/meridian/meridian-audit.jsonl"));
    }
}
