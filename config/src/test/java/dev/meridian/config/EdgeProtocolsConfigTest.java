package dev.meridian.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of TLS, HTTP/2, gRPC and client limits: bound with their defaults, and refused with a located message. */
class EdgeProtocolsConfigTest {

    private static MeridianConfig parse(String yaml) {
        return ConfigLoader.create().parse(yaml, "m.yaml");
    }

    @Test
    void defaultsArePlaintextHttp1RegionsAndHttp2ForClients() {
        MeridianConfig config = parse("regions: [{name: a, endpoints: [\"http://10.0.0.1:80\"]}]\n");

        assertThat(config.listen().tls()).isNull();
        assertThat(config.admin().tls()).isNull();
        ServerConfig server = config.server();
        assertThat(server.http2()).isEqualTo(Http2Config.ofDefaults());
        assertThat(server.requestHeadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(server.maxConnectionsPerIp()).isEqualTo(256);
        assertThat(server.hosts()).isEmpty();
        RegionConfig region = config.regions().get(0);
        assertThat(region.protocol()).isEqualTo(UpstreamProtocol.H1);
        assertThat(region.probe()).isEqualTo(ProbeKind.HTTP);
        assertThat(region.tls()).isNull();
        assertThat(config.defaultRoute().grpc()).isFalse();
    }

    @Test
    void everyNewKeyIsBound() {
        MeridianConfig config = parse("""
                listen: {address: 127.0.0.1, port: 8443, tls: {certificate: c.pem, key: k.pem, protocols: [TLSv1.3], provider: jdk, reload-interval: 2s}}
                admin: {tls: {certificate: ac.pem, key: ak.pem, client-ca: ca.pem}}
                server:
                  request-head-timeout: 3s
                  request-body-timeout: 4s
                  max-connections: 50
                  max-connections-per-ip: 0
                  max-pipelined-requests: 2
                  hosts: [Gateway.Example.com]
                  http2: {enabled: false, max-concurrent-streams: 7, initial-window-size: 1048576, max-resets-per-second: 9}
                regions:
                  - name: a
                    endpoints: ["https://10.0.0.1:443"]
                    protocol: h2
                    tls: {ca: gw-ca.pem, server-name: gw.internal}
                    probe: grpc
                    grpc-health-service: meridian.sim.v1.Chat
                  - {name: b, endpoints: ["http://10.0.0.2:80"], protocol: h2c}
                routes: [{name: chat, path-prefix: /chat, grpc: true, timeouts: {total: 1h, idle: 1h}}]
                """);

        assertThat(config.listen().tls()).isEqualTo(new TlsConfig(Path.of("c.pem"), Path.of("k.pem"), null,
                List.of("TLSv1.3"), TlsProvider.JDK, Duration.ofSeconds(2)));
        assertThat(config.admin().tls().clientCa()).isEqualTo(Path.of("ca.pem"));
        assertThat(config.admin().tls().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        ServerConfig server = config.server();
        assertThat(server.requestHeadTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(server.requestBodyTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(server.maxConnections()).isEqualTo(50);
        assertThat(server.maxConnectionsPerIp()).isZero();
        assertThat(server.maxPipelinedRequests()).isEqualTo(2);
        assertThat(server.hosts()).containsExactly("gateway.example.com");
        assertThat(server.http2()).isEqualTo(new Http2Config(false, 7, 1 << 20, 9));
        RegionConfig a = config.regions().get(0);
        assertThat(a.protocol()).isEqualTo(UpstreamProtocol.H2);
        assertThat(a.tls()).isEqualTo(new UpstreamTlsConfig(Path.of("gw-ca.pem"), "gw.internal", true));
        assertThat(a.probe()).isEqualTo(ProbeKind.GRPC);
        assertThat(a.grpcHealthService()).isEqualTo("meridian.sim.v1.Chat");
        assertThat(config.regions().get(1).protocol()).isEqualTo(UpstreamProtocol.H2C);
        RouteConfig chat = config.routes().get(0);
        assertThat(chat.grpc()).isTrue();
        assertThat(chat.timeouts().total()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void httpsEndpointsAreVerifiedByDefault() {
        RegionConfig region = parse("regions: [{name: a, endpoints: [\"https://gw.example.com\"]}]\n").regions().get(0);

        assertThat(region.tls()).isEqualTo(UpstreamTlsConfig.ofDefaults());
        assertThat(region.tls().verify()).isTrue();
    }

    @Test
    void mismatchedProtocolsAndSchemesAreRefusedWhereTheyAreWritten() {
        assertThatThrownBy(() -> parse("""
                regions:
                  - {name: a, endpoints: ["http://10.0.0.1:80"], protocol: h2}
                  - {name: b, endpoints: ["https://10.0.0.2:443"], protocol: h2c}
                  - {name: c, endpoints: ["http://10.0.0.3:80"], probe: grpc}
                  - {name: d, endpoints: ["http://10.0.0.4:80"], tls: {verify: false}}
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:2:").hasMessageContaining("regions[0].protocol: 'h2' is HTTP/2 over TLS")
                .hasMessageContaining("regions[1].protocol: 'h2c' is cleartext HTTP/2")
                .hasMessageContaining("regions[2].probe: 'grpc' probes need an HTTP/2 region")
                .hasMessageContaining("regions[3].tls: TLS settings but every endpoint is http://");
    }

    @Test
    void tlsNeedsCertificateAndKeyAndModernProtocols() {
        assertThatThrownBy(() -> parse("""
                listen: {tls: {certificate: c.pem, protocols: [TLSv1.1]}}
                regions: [{name: a, endpoints: ["http://10.0.0.1:80"]}]
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.yaml:1:").hasMessageContaining("listen.tls")
                .hasMessageContaining("key")
                .hasMessageContaining("TLSv1.1");
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> parse("""
                server: {max-connections: 0, max-pipelined-requests: 5000, http2: {max-concurrent-streams: 0, initial-window-size: 100}}
                regions: [{name: a, endpoints: ["http://10.0.0.1:80"]}]
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.max-connections")
                .hasMessageContaining("server.max-pipelined-requests")
                .hasMessageContaining("server.http2.max-concurrent-streams")
                .hasMessageContaining("server.http2.initial-window-size");
    }
}
