package dev.meridian.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.config.loading.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code fleet.etcd}: bound with its defaults, and refused where written when wrong. */
class FleetConfigTest {

    private static MeridianConfig parse(String yaml) {
        return OneRegionYaml.parse(yaml, "http://10.0.0.1:80");
    }

    @Test
    void withoutFleetTheStateIsLocal() {
        MeridianConfig config = parse("");

        assertThat(config.fleet()).isEqualTo(FleetConfig.NONE);
        assertThat(config.fleet().enabled()).isFalse();
    }

    @Test
    void omittedEtcdKeysTakeTheDefaultsAndTheCacheSitsBesideTheStateFile() {
        MeridianConfig config = parse("""
                admin: {state-file: /var/lib/meridian/state.json}
                fleet: {etcd: {endpoints: ["http://10.0.0.5:2379"]}}
                """);

        EtcdConfig etcd = config.fleet().etcd();
        assertThat(etcd).isNotNull();
        assertThat(etcd.endpoints()).containsExactly(URI.create("http://10.0.0.5:2379"));
        assertThat(etcd.prefix()).isEqualTo("/meridian/");
        assertThat(etcd.tls()).isNull();
        assertThat(etcd.username()).isNull();
        assertThat(etcd.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(etcd.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(etcd.cacheFile()).isEqualTo(Path.of("/var/lib/meridian/meridian-fleet-cache.json"));
    }

    @Test
    void everyEtcdKeyIsBound() {
        MeridianConfig config = parse("""
                fleet:
                  etcd:
                    endpoints: ["https://etcd-0.internal:2379", "https://etcd-1.internal:2379", "https://etcd-2.internal:2379"]
                    prefix: /meridian/prod/
                    tls: {ca: etcd-ca.pem, certificate: client.pem, key: client-key.pem}
                    username: meridian
                    password: s3cret
                    timeouts: {connect: 1s, request: 500ms}
                    cache-file: /var/cache/meridian/fleet.json
                """);

        assertThat(config.fleet().etcd()).isEqualTo(new EtcdConfig(
                List.of(URI.create("https://etcd-0.internal:2379"), URI.create("https://etcd-1.internal:2379"),
                        URI.create("https://etcd-2.internal:2379")),
                "/meridian/prod/",
                new EtcdTlsConfig(Path.of("etcd-ca.pem"), Path.of("client.pem"), Path.of("client-key.pem")),
                "meridian", "s3cret", Duration.ofSeconds(1), Duration.ofMillis(500), Path.of("/var/cache/meridian/fleet.json")));
        assertThat(config.fleet().etcd().anyTls()).isTrue();
    }

    @Test
    void badEtcdSettingsAreRefusedWhereTheyAreWritten() {
        assertThatThrownBy(() -> parse("""
                fleet:
                  etcd:
                    endpoints: ["http://10.0.0.5", "etcd-1:2379", "http://10.0.0.7:2379/v3", "http://10.0.0.8:2379", "http://10.0.0.8:2379"]
                    prefix: meridian
                    tls: {certificate: client.pem}
                    username: meridian
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:3:")
                .hasMessageContaining("fleet.etcd.endpoints[0]: 'http://10.0.0.5' has no port")
                .hasMessageContaining("fleet.etcd.endpoints[1]:")
                .hasMessageContaining("fleet.etcd.endpoints[2]:")
                .hasMessageContaining("fleet.etcd.endpoints[4]: duplicate etcd endpoint")
                .hasMessageContaining("fleet.etcd.prefix")
                .hasMessageContaining("fleet.etcd.tls: certificate and key go together")
                .hasMessageContaining("fleet.etcd.username: username and password go together");
    }

    @Test
    void tlsTowardsPlaintextMembersAndUnknownKeysAreRefused() {
        assertThatThrownBy(() -> parse("""
                fleet: {etcd: {endpoints: ["http://10.0.0.5:2379"], tls: {ca: ca.pem}, lease: 10s}}
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:1:")
                .hasMessageContaining("fleet.etcd.tls: tls is set but every endpoint is http://")
                .hasMessageContaining("lease");
        assertThatThrownBy(() -> parse("fleet: {etcd: {endpoints: [\"http://10.0.0.5:2379\", \"https://10.0.0.6:2379\"]}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fleet.etcd.endpoints: mixes http:// and https:// members");
        assertThatThrownBy(() -> parse("fleet: {etcd: {prefix: /m/}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("endpoints");
    }

    @Test
    void recordsCheckWhatTheBinderChecks() {
        Path cache = Path.of("cache.json");
        Duration s = Duration.ofSeconds(1);
        List<URI> one = List.of(URI.create("http://127.0.0.1:2379"));
        assertThatIllegalArgumentException().isThrownBy(() -> new EtcdConfig(List.of(), "/m/", null, null, null, s, s, cache))
                .withMessageStartingWith("endpoints: empty");
        assertThatIllegalArgumentException().isThrownBy(() -> new EtcdConfig(one, "/m", null, null, null, s, s, cache))
                .withMessageContaining("starts and ends with /");
        assertThatIllegalArgumentException().isThrownBy(() -> new EtcdConfig(one, "/m/", null, "u", null, s, s, cache))
                .withMessageStartingWith("username and password");
        assertThatIllegalArgumentException().isThrownBy(() -> new EtcdConfig(one, "/m/", null, null, null, Duration.ZERO, s, cache))
                .withMessageStartingWith("connectTimeout");
        assertThatIllegalArgumentException().isThrownBy(() -> new EtcdTlsConfig(null, Path.of("c.pem"), null))
                .withMessageStartingWith("certificate and key");
        assertThatIllegalArgumentException().isThrownBy(() -> EtcdConfig.checkEndpoint(URI.create("grpc://127.0.0.1:2379")))
                .withMessageContaining("expected: an http:// or https:// URL");
    }
}
