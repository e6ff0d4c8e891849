package dev.meridian.config.loading;

import dev.meridian.config.AccessLogConfig;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.ApdexConfig;
import dev.meridian.config.BreakerConfig;
import dev.meridian.config.CidrRange;
import dev.meridian.config.ConfigDefaults;
import dev.meridian.config.FleetConfig;
import dev.meridian.config.GeoConfig;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.ListenConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.config.PanicMode;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.RateLimitConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.RoutingMode;
import dev.meridian.config.ServerConfig;
import dev.meridian.config.StallConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.config.Transport;
import dev.meridian.config.UpstreamConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

class ConfigLoaderTest {

    /** The example from the configuration contract, every key spelled out. */
    private static final String FULL = """
            listen: {address: 0.0.0.0, port: 8080, proxy-protocol: true}
            server:
              event-loops: 4
              transport: epoll
              max-initial-line-length: 4KiB
              max-header-size: 32KiB
              max-request-body: 1048576
              client-idle-timeout: 90s
              shutdown-grace: 0s
              region-header: false
            upstream:
              max-connections-per-endpoint: 256
              max-pending-acquires: 0
              idle-timeout: 2m
            timeouts: {connect: 500ms, first-byte: 30s, idle: 45s, total: 1h}
            admin:
              address: "::1"
              port: 9902
              tokens:
                - {name: sre, token: "${MERIDIAN_ADMIN_TOKEN}", scope: write}
                - {name: grafana, token: read-only-secret}
              token-file: /run/secrets/meridian-tokens
              state-file: /var/lib/meridian/state.json
              audit-file: audit/admin.jsonl
              allow-insecure: true
              max-request-body: 4KiB
            geo:
              database: /var/lib/GeoIP/GeoLite2-City.mmdb
              required: false
              reload-interval: 10ms
              cache-size: 0
              node-cache-size: 1024
              trusted-proxies: [127.0.0.1/32, 10.0.0.0/8, "fd00::/8"]
              location-headers: [X-Client-Geo-Location, CF-IPLocation]
            routing:
              mode: latency-aware
              tie-band: 0ms
              spill-factor: 1
              hysteresis: 2ms
              hysteresis-period: 30s
              panic: reject
              default-ttfb: 250ms
              ttfb-decay: 30s
            health:
              probe:
                enabled: false
                path: /monitoring/healthz?probe=meridian
                interval: 5s
                jitter: 0
                timeout: 500ms
                unhealthy-threshold: 3
                healthy-threshold: 1
              outlier:
                consecutive-failures: 7
                base-ejection: 10s
                max-ejection: 10s
                max-ejected-percent: 0
                uneject-on-probe-success: false
              breaker:
                failure-rate-threshold: 25
                slow-call-rate-threshold: 80
                slow-call-duration: 5s
                window: 30s
                minimum-calls: 50
                open-duration: 1m
                half-open-calls: 5
              stall:
                enabled: false
                multiplier: 2.5
                min-threshold: 300ms
                overdue-attempts: 3
                max-waiting: 40
              rate-limit:
                default-retry-after: 30s
                capacity: 1
            retries:
              budget-ratio: 0.1
              budget-window: 30s
              min-per-second: 0
              replay-buffer: 64KiB
            access-log:
              enabled: false
              file: /var/log/meridian/access.jsonl
              buffer-lines: 100
            regions:
              - name: us-east4
                location: {lat: 39.04, lon: -77.49}
                weight: 100
                endpoints: ["http://10.1.0.5:5052", "http://10.1.0.6:5052"]
              - name: europe-west2
                weight: 0
                endpoints: ["https://gw.europe-west2.example.com"]
            routes:
              - name: completions
                path-prefix: /v2/code/completions
                timeouts: {first-byte: 10s, total: 30s}
                sticky-header: X-Gitlab-Instance-Id
                retry: {max-attempts: 2, non-idempotent: true, rescue: false}
                hedge: {enabled: true, delay: 150ms}
                apdex: {satisfied: 500ms, tolerated: 2s}
              - name: chat
                path-prefix: /v2/chat/agent
                retry: {max-attempts: 1}
                hedge: {enabled: true, delay: p95}
            """;

    private static final ConfigLoader LOADER =
            ConfigLoader.create().withEnvironment(Map.of("MERIDIAN_ADMIN_TOKEN", "s3cret-admin-token"));

    private static final String MINIMAL = """
            regions:
              - name: us-east4
                endpoints: ["http://10.1.0.5:5052"]
            """;

    @Test
    void fullExampleParsesToTheExpectedRecords() throws Exception {
        MeridianConfig config = LOADER.parse(FULL, "full.yaml");

        TimeoutConfig timeouts = new TimeoutConfig(
                Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(45), Duration.ofHours(1));
        MeridianConfig expected = MeridianConfig.builder(List.of(
                        new RegionConfig("us-east4", new GeoPoint(39.04, -77.49), 100,
                                List.of(URI.create("http://10.1.0.5:5052"), URI.create("http://10.1.0.6:5052"))),
                        new RegionConfig("europe-west2", null, 0,
                                List.of(URI.create("https://gw.europe-west2.example.com:443")))))
                .listen(new ListenConfig("0.0.0.0", 8080, true))
                .server(new ServerConfig(4, Transport.EPOLL, 4096, 32768, 1048576, Duration.ofSeconds(90), Duration.ZERO, false))
                .upstream(new UpstreamConfig(256, 0, Duration.ofMinutes(2)))
                .timeouts(timeouts)
                .admin(new AdminConfig("::1", 9902, List.of(
                        new AdminToken("sre", "s3cret-admin-token", AdminToken.Scope.WRITE),
                        new AdminToken("grafana", "read-only-secret", AdminToken.Scope.READ)),
                        Path.of("/run/secrets/meridian-tokens"), Path.of("/var/lib/meridian/state.json"),
                        Path.of("audit/admin.jsonl"), true, 4096))
                .geo(new GeoConfig(Path.of("/var/lib/GeoIP/GeoLite2-City.mmdb"), false, Duration.ofMillis(10), 0, 1024, List.of(
                        CidrRange.parse("127.0.0.1/32"), CidrRange.parse("10.0.0.0/8"), CidrRange.parse("fd00::/8")),
                        List.of("X-Client-Geo-Location", "CF-IPLocation")))
                .routing(new RoutingConfig(RoutingMode.LATENCY_AWARE, Duration.ZERO, 1.0, Duration.ofMillis(2), Duration.ofSeconds(30),
                        PanicMode.REJECT,
                        Duration.ofMillis(250), Duration.ofSeconds(30)))
                .health(new HealthConfig(
                        new ProbeConfig(false, "/monitoring/healthz?probe=meridian", Duration.ofSeconds(5), 0.0,
                                Duration.ofMillis(500), 3, 1),
                        new OutlierConfig(7, Duration.ofSeconds(10), Duration.ofSeconds(10), 0, false),
                        new BreakerConfig(25, 80, Duration.ofSeconds(5), Duration.ofSeconds(30), 50, Duration.ofMinutes(1), 5),
                        new StallConfig(false, 2.5, Duration.ofMillis(300), 3, 40),
                        new RateLimitConfig(Duration.ofSeconds(30), 1.0)))
                .retries(new RetriesConfig(0.1, Duration.ofSeconds(30), 0, 64 * 1024))
                .accessLog(new AccessLogConfig(false, Path.of("/var/log/meridian/access.jsonl"), 100))
                .routes(List.of(new RouteConfig("completions", "/v2/code/completions", new TimeoutConfig(
                        Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(45), Duration.ofSeconds(30)),
                        "X-Gitlab-Instance-Id", new RetryConfig(2, true, false), new HedgeConfig(true, Duration.ofMillis(150)),
                        new ApdexConfig(Duration.ofMillis(500), Duration.ofSeconds(2))),
                        new RouteConfig("chat", "/v2/chat/agent", timeouts, null, new RetryConfig(1, false, true),
                                new HedgeConfig(true, null))))
                .build();
        assertThat(config).isEqualTo(expected);
        assertThat(config.admin().socketAddress().getAddress()).isEqualTo(InetAddress.getByName("::1"));
    }

    @Test
    void omittedKeysTakeTheDefaults() {
        MeridianConfig config = LOADER.parse(MINIMAL, "minimal.yaml");

        assertThat(config).isEqualTo(MeridianConfig.ofDefaults(List.of(RegionConfig.of("us-east4", URI.create("http://10.1.0.5:5052")))));
        assertThat(config.server().maxRequestBody()).isEqualTo(16L * 1024 * 1024);
        assertThat(config.timeouts().total()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.admin().address()).as("the admin API must not be exposed by default").isEqualTo("127.0.0.1");
        assertThat(config.admin().tokens()).isEmpty();
        assertThat(config.admin().tokenFile()).isNull();
        assertThat(config.admin().stateFile()).isEqualTo(Path.of("meridian-state.json"));
        assertThat(config.admin().auditFile()).isEqualTo(Path.of("meridian-audit.jsonl"));
        assertThat(config.admin().allowInsecure()).as("no open admin API on a public address by default").isFalse();
        assertThat(config.admin().maxRequestBody()).isEqualTo(16 * 1024);
        assertThat(config.geo().trustedProxies()).as("no client may spoof its address by default").isEmpty();
        assertThat(config.geo().database()).isNull();
        assertThat(config.regions().get(0).weight()).isEqualTo(100);
        assertThat(config.routes()).isEmpty();
        assertThat(config.listen().proxyProtocol()).as("PROXY headers would let any client claim any address").isFalse();
        assertThat(config.geo().required()).isTrue();
        assertThat(config.geo().reloadInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.geo().cacheSize()).isEqualTo(100_000);
        assertThat(config.geo().nodeCacheSize()).isEqualTo(8192);
        assertThat(config.geo().locationHeaders()).as("no client may choose its own location by default").isEmpty();
        assertThat(config.routing()).isEqualTo(RoutingConfig.ofDefaults());
        assertThat(config.routing().spillFactor()).isEqualTo(1.4);
        assertThat(config.routing().panic()).isEqualTo(PanicMode.ROUTE);
        assertThat(config.health()).isEqualTo(HealthConfig.ofDefaults());
        assertThat(config.health().probe().path()).isEqualTo("/monitoring/healthz");
        assertThat(config.health().outlier().maxEjection()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.health().rateLimit().capacity()).isEqualTo(0.5);
        assertThat(config.retries()).isEqualTo(RetriesConfig.ofDefaults());
        assertThat(config.retries().replayBuffer()).isEqualTo(1024 * 1024);
        assertThat(config.defaultRoute().retry()).isEqualTo(new RetryConfig(3, false, true));
        assertThat(config.defaultRoute().hedge()).as("hedging is opt-in").isEqualTo(new HedgeConfig(false, null));
    }

    @Test
    void emptySectionsTakeTheDefaults() {
        MeridianConfig config = LOADER.parse("listen: {}\nserver: {}\nupstream: {}\ntimeouts: {}\nadmin: {}\ngeo: {}\nrouting: {}\n"
                + "health: {probe: {}, outlier: {}, breaker: {}, rate-limit: {}}\nretries: {}\n"
                + "routes: [{name: chat, path-prefix: /v2/chat, retry: {}, hedge: {}}]\n" + MINIMAL, "m.yaml");

        assertThat(config).isEqualTo(LOADER.parse(MINIMAL, "m.yaml").toBuilder()
                .routes(List.of(new RouteConfig("chat", "/v2/chat", TimeoutConfig.ofDefaults()))).build());
    }

    @Test
    void environmentReferencesAreSubstitutedInsideValues() {
        MeridianConfig config = ConfigLoader.create()
                .withEnvironment(Map.of("GW_HOST", "10.9.0.1", "TOKEN", "abc123", "REGION", "us-east4"))
                .parse("""
                        admin:
                          tokens: [{name: sre, token: "${TOKEN}", scope: write}]
                        regions:
                          - name: ${REGION}
                            endpoints: ["http://${GW_HOST}:5052"]
                        geo:
                          database: /data/$${NOT_A_VARIABLE}/city.mmdb
                        """, "env.yaml");

        assertThat(config.admin().authenticate("abc123")).map(AdminToken::name).contains("sre");
        assertThat(config.regions().get(0).name()).isEqualTo("us-east4");
        assertThat(config.regions().get(0).endpoints()).containsExactly(URI.create("http://10.9.0.1:5052"));
        assertThat(config.geo().database()).as("$${ is a literal ${").isEqualTo(Path.of("/data/${NOT_A_VARIABLE}/city.mmdb"));
    }

    @Test
    void unquotedWholeReferenceTakesTheTypeYamlGivesTheSubstitutedText() {
        MeridianConfig config = ConfigLoader.create()
                .withEnvironment(Map.of("PORT", "9090", "REGION_HEADER", "false", "WEIGHT", "250", "LAT", "51.51"))
                .parse("""
                        listen:
                          port: ${PORT}
                        server:
                          region-header: ${REGION_HEADER}
                        regions:
                          - name: europe-west2
                            weight: ${WEIGHT}
                            location:
                              lat: ${LAT}
                              lon: -0.13
                            endpoints: ["http://10.2.0.5:5052"]
                        """, "typed.yaml");

        assertThat(config.listen().port()).isEqualTo(9090);
        assertThat(config.server().regionHeader()).isFalse();
        assertThat(config.regions().get(0).weight()).isEqualTo(250);
        assertThat(config.regions().get(0).location()).isEqualTo(new GeoPoint(51.51, -0.13));
    }

    @Test
    void quotedReferenceStaysAString() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.create()
                .withEnvironment(Map.of("PORT", "9090"))
                .parse("listen:\n  port: \"${PORT}\"\n" + MINIMAL, "quoted.yaml"));

        assertThat(e.getMessage()).isEqualTo("quoted.yaml:2:9: listen.port: expected an integer, found '9090'");
    }

    @Test
    void substitutedTextIsNotScannedAgain() {
        MeridianConfig config = ConfigLoader.create()
                .withEnvironment(Map.of("TOKEN", "${OTHER}"))
                .parse("admin: {tokens: [{name: sre, token: \"${TOKEN}\"}]}\n" + MINIMAL, "m.yaml");

        assertThat(config.admin().tokens().get(0).matches("${OTHER}")).isTrue();
    }

    @Test
    void routePartialTimeoutsAreMergedWithTopLevelTimeouts() {
        MeridianConfig config = LOADER.parse("""
                timeouts: {connect: 2s, first-byte: 50s, idle: 40s, total: 5m}
                routes:
                  - name: completions
                    path-prefix: /v2/code/completions
                    timeouts: {first-byte: 10s, total: 30s}
                  - name: chat
                    path-prefix: /v2/chat/agent
                """ + MINIMAL, "m.yaml");

        assertThat(config.routes()).containsExactly(
                new RouteConfig("completions", "/v2/code/completions", new TimeoutConfig(
                        Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(40), Duration.ofSeconds(30))),
                new RouteConfig("chat", "/v2/chat/agent", config.timeouts()));
        assertThat(config.defaultRoute()).isEqualTo(new RouteConfig("default", "/", config.timeouts()));
    }

    @Test
    void routeOverridesDefaultTimeoutsWhenTopLevelTimeoutsAreOmitted() {
        MeridianConfig config = LOADER.parse("""
                routes:
                  - name: completions
                    path-prefix: /v2/code/completions
                    timeouts: {connect: 250ms}
                """ + MINIMAL, "m.yaml");

        assertThat(config.routeFor("/v2/code/completions").timeouts()).isEqualTo(new TimeoutConfig(
                Duration.ofMillis(250), ConfigDefaults.FIRST_BYTE_TIMEOUT, ConfigDefaults.IDLE_TIMEOUT, ConfigDefaults.TOTAL_TIMEOUT));
    }

    @Test
    void endpointsAreNormalisedToSchemeHostAndPort() {
        MeridianConfig config = LOADER.parse("""
                regions:
                  - name: us-east4
                    endpoints: ["HTTP://GW-1.Example.com/", "https://10.1.0.6", "http://[::1]:5052"]
                """, "m.yaml");

        assertThat(config.regions().get(0).endpoints()).containsExactly(
                URI.create("http://gw-1.example.com:80"), URI.create("https://10.1.0.6:443"), URI.create("http://[::1]:5052"));
    }

    @Test
    void sizesAcceptPlainBytesAndBinaryUnits() {
        MeridianConfig config = LOADER.parse("""
                server:
                  max-initial-line-length: 512
                  max-header-size: "2048"
                  max-request-body: 1GiB
                """ + MINIMAL, "m.yaml");

        assertThat(config.server().maxInitialLineLength()).isEqualTo(512);
        assertThat(config.server().maxHeaderSize()).isEqualTo(2048);
        assertThat(config.server().maxRequestBody()).isEqualTo(1L << 30);
    }

    @Test
    void loadReadsAUtf8FileWithByteOrderMark(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("meridian.yaml"), "\uFEFF# Grüße\n" + MINIMAL);

        assertThat(LOADER.load(file).regions()).extracting(RegionConfig::name).containsExactly("us-east4");
    }

    @Test
    void problemPositionsAreUnaffectedByAByteOrderMark() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LOADER.parse("\uFEFFcolour: blue\n" + MINIMAL, "bom.yaml"));

        assertThat(e.problems()).extracting(ConfigProblem::line, ConfigProblem::column)
                .containsExactly(tuple(1, 1));
    }

    @Test
    void theProcessEnvironmentIsUsedByDefault() {
        String name = System.getenv().keySet().stream().filter(k -> k.matches("[A-Za-z_][A-Za-z0-9_]*")).findFirst().orElseThrow();
        MeridianConfig config = ConfigLoader.create().parse(
                "admin: {tokens: [{name: env, token: \"x${" + name + "}\"}]}\n" + MINIMAL, "env.yaml");

        assertThat(config.admin().tokens().get(0).matches("x" + System.getenv(name))).isTrue();
    }
}
