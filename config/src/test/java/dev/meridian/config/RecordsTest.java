package dev.meridian.config;

import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigProblem;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The records validate themselves, whoever builds them. */
class RecordsTest {

    private static final URI GW = URI.create("http://10.1.0.5:5052");

    @Test
    void regionWeightIsBounded() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RegionConfig("us-east4", null, -3, List.of(GW)))
                .withMessage("weight: -3 (expected: 0..1000)");
        assertThat(RegionConfig.of("us-east4", GW).withWeight(0).weight()).isZero();
        assertThat(RegionConfig.checkWeight(RegionConfig.MAX_WEIGHT)).isEqualTo(1000);
    }

    @Test
    void buildersChangeOnlyWhatTheyAreGivenAndCheckAsTheConstructorsDo() {
        MeridianConfig config = MeridianConfig.ofDefaults(List.of(RegionConfig.of("us-east4", GW)));
        ListenConfig ephemeral = new ListenConfig("127.0.0.1", 0);
        RoutingConfig reject = RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT);

        MeridianConfig changed = config.toBuilder().listen(ephemeral).routing(reject).build();

        assertThat(changed).isEqualTo(config.toBuilder().routing(reject).listen(ephemeral).build());
        assertThat(changed.server()).isSameAs(config.server());
        assertThatIllegalArgumentException().isThrownBy(() -> config.toBuilder().regions(List.of()).build())
                .withMessage("regions: empty (expected: at least one region)");
    }

    @Test
    void regionRefusesBadNamesAndEndpoints() {
        assertThatIllegalArgumentException().isThrownBy(() -> RegionConfig.of("US", GW))
                .withMessageStartingWith("name: 'US' is not a valid name");
        assertThatIllegalArgumentException().isThrownBy(() -> new RegionConfig("a", null, 1, List.of()))
                .withMessage("endpoints: empty (expected: at least one http(s) URL)");
        assertThatIllegalArgumentException().isThrownBy(() -> RegionConfig.of("a", URI.create("ftp://x")))
                .withMessage("endpoints[0]: 'ftp://x' is not an http(s) URL (expected e.g. http://10.1.0.5:5052)");
        assertThatIllegalArgumentException().isThrownBy(() -> RegionConfig.of("a", GW, URI.create("http://10.1.0.5:5052/")))
                .withMessage("endpoints[1]: duplicate 'http://10.1.0.5:5052' (expected: unique endpoints)");
        assertThatNullPointerException().isThrownBy(() -> new RegionConfig(null, null, 1, List.of(GW))).withMessage("name");
    }

    @Test
    void geoPointIsBounded() {
        assertThat(new GeoPoint(-90, 180)).isEqualTo(new GeoPoint(-90.0, 180.0));
        assertThatIllegalArgumentException().isThrownBy(() -> new GeoPoint(91, 0)).withMessage("lat: 91.0 (expected: -90..90)");
        assertThatIllegalArgumentException().isThrownBy(() -> new GeoPoint(0, -180.5)).withMessage("lon: -180.5 (expected: -180..180)");
        assertThatIllegalArgumentException().isThrownBy(() -> new GeoPoint(Double.NaN, 0)).withMessage("lat: NaN (expected: -90..90)");
    }

    @Test
    void timeoutsMustBePositive() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TimeoutConfig(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .withMessage("connect: PT0S (expected: > 0)");
        assertThatNullPointerException()
                .isThrownBy(() -> new TimeoutConfig(Duration.ofSeconds(1), null, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .withMessage("firstByte");
    }

    @Test
    void serverLimitsAreChecked() {
        ServerConfig d = ServerConfig.ofDefaults();
        assertThatIllegalArgumentException().isThrownBy(() -> new ServerConfig(-1, d.transport(), 1, 1, 0,
                d.clientIdleTimeout(), d.shutdownGrace(), true)).withMessage("eventLoops: -1 (expected: 0..1024)");
        assertThatIllegalArgumentException().isThrownBy(() -> new ServerConfig(0, d.transport(), 1, 1, -1,
                d.clientIdleTimeout(), d.shutdownGrace(), true)).withMessage("maxRequestBody: -1 (expected: >= 0)");
        assertThat(new ServerConfig(0, Transport.NIO, 1, 1, 0, Duration.ofMillis(1), Duration.ZERO, false).shutdownGrace())
                .as("zero grace closes connections at once").isZero();
        assertThat(withConnectionLimits(d, 1, 0).maxPipelinedRequests()).isZero();
        assertThatIllegalArgumentException().isThrownBy(() -> withConnectionLimits(d, 0, 1))
                .withMessage("maxConnections: 0 (expected: 1..10000000)");
    }

    private static ServerConfig withConnectionLimits(ServerConfig d, int maxConnections, int maxPipelinedRequests) {
        return new ServerConfig(d.eventLoops(), d.transport(), d.maxInitialLineLength(), d.maxHeaderSize(), d.maxRequestBody(),
                d.clientIdleTimeout(), d.shutdownGrace(), d.regionHeader(), d.requestHeadTimeout(), d.requestBodyTimeout(),
                maxConnections, d.maxConnectionsPerIp(), maxPipelinedRequests, d.hosts(), d.http2());
    }

    @Test
    void upstreamBoundsAreChecked() {
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamConfig(0, 0, Duration.ofSeconds(1)))
                .withMessage("maxConnectionsPerEndpoint: 0 (expected: 1..65535)");
    }

    @Test
    void listenAddressIsALiteralAndNeverResolved() {
        assertThat(new ListenConfig("127.0.0.1", 0).socketAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(new ListenConfig("::", 8080).socketAddress().getAddress().isAnyLocalAddress()).isTrue();
        assertThatIllegalArgumentException().isThrownBy(() -> new ListenConfig("localhost", 80))
                .withMessage("address: 'localhost' (expected: an IP address literal)");
        assertThatIllegalArgumentException().isThrownBy(() -> new ListenConfig("0.0.0.0", 65536))
                .withMessage("port: 65536 (expected: 0..65535)");
    }

    @Test
    void adminTokenNeverPrintsItsSecret() {
        AdminToken token = new AdminToken("sre", "s3cret-token-value", AdminToken.Scope.WRITE);

        assertThat(token.toString()).isEqualTo("AdminToken[name=sre, token=<redacted>, scope=WRITE]").doesNotContain("s3cret");
        assertThat(new AdminConfig("127.0.0.1", 9901, List.of(token)).toString()).doesNotContain("s3cret");
        assertThatIllegalArgumentException().isThrownBy(() -> new AdminToken("sre", "with space", AdminToken.Scope.READ))
                .withMessage("token: <redacted> of 'sre' (expected: non-empty, no whitespace)");
    }

    @Test
    void adminTokensAuthenticateByExactMatch() {
        AdminConfig admin = new AdminConfig("127.0.0.1", 9901, List.of(
                new AdminToken("sre", "write-secret", AdminToken.Scope.WRITE),
                new AdminToken("grafana", "read-secret", AdminToken.Scope.READ)));

        assertThat(admin.authenticate("read-secret")).map(AdminToken::name).contains("grafana");
        assertThat(admin.authenticate("write-secret")).map(AdminToken::scope).contains(AdminToken.Scope.WRITE);
        assertThat(admin.authenticate("write-secre")).isEmpty();
        assertThat(admin.authenticate("")).isEmpty();
    }

    @Test
    void writeScopeIncludesRead() {
        assertThat(AdminToken.Scope.WRITE.includes(AdminToken.Scope.READ)).isTrue();
        assertThat(AdminToken.Scope.WRITE.includes(AdminToken.Scope.WRITE)).isTrue();
        assertThat(AdminToken.Scope.READ.includes(AdminToken.Scope.READ)).isTrue();
        assertThat(AdminToken.Scope.READ.includes(AdminToken.Scope.WRITE)).isFalse();
    }

    @Test
    void adminTokensAreUniqueByNameAndSecret() {
        AdminToken a = new AdminToken("a", "one", AdminToken.Scope.READ);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AdminConfig("127.0.0.1", 1, List.of(a, new AdminToken("a", "two", AdminToken.Scope.READ))))
                .withMessage("tokens: duplicate name 'a' (expected: unique names)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AdminConfig("127.0.0.1", 1, List.of(a, new AdminToken("b", "one", AdminToken.Scope.WRITE))))
                .withMessage("tokens: 'b' has the same secret as 'a' (expected: one secret per token)")
                .withMessageNotContaining("one'");
    }

    @Test
    void adminWithersKeepTheRest() {
        AdminConfig admin = AdminConfig.ofDefaults();
        AdminConfig changed = admin.withStateFile(Path.of("s.json")).withAuditFile(Path.of("a.jsonl"))
                .withTokenFile(Path.of("t")).withAllowInsecure(true).withMaxRequestBody(100)
                .withTokens(List.of(new AdminToken("sre", "secret", AdminToken.Scope.WRITE)));
        assertThat(changed).isEqualTo(new AdminConfig("127.0.0.1", 9901, List.of(new AdminToken("sre", "secret", AdminToken.Scope.WRITE)),
                Path.of("t"), Path.of("s.json"), Path.of("a.jsonl"), true, 100));
    }

    @Test
    void routeRefusesBadPrefixesAndTheReservedName() {
        TimeoutConfig t = TimeoutConfig.ofDefaults();
        assertThatIllegalArgumentException().isThrownBy(() -> new RouteConfig("a", "v2", t))
                .withMessage("pathPrefix: 'v2' does not start with '/' (expected e.g. /v2/code/completions)");
        assertThatIllegalArgumentException().isThrownBy(() -> new RouteConfig("default", "/v2", t))
                .withMessage("name: 'default' is reserved for the catch-all route (expected: pathPrefix '/')");
        assertThat(new RouteConfig("default", "/", t).matches("/x")).isTrue();
    }

    @Test
    void geoConfigKnowsItsTrustedProxies() throws Exception {
        GeoConfig geo = new GeoConfig(null, List.of(CidrRange.parse("10.0.0.0/8")));

        assertThat(geo.isTrustedProxy(InetAddress.getByName("10.2.3.4"))).isTrue();
        assertThat(geo.isTrustedProxy(InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(GeoConfig.ofDefaults().isTrustedProxy(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void problemsPrintLikeCompilerDiagnostics() {
        assertThat(new ConfigProblem("m.yaml", 12, 7, "regions[1].weight: 2000 is out of range (expected: 0..1000)"))
                .hasToString("m.yaml:12:7: regions[1].weight: 2000 is out of range (expected: 0..1000)");
        assertThat(new ConfigProblem("m.yaml", 3, 0, "x")).hasToString("m.yaml:3: x");
        assertThat(ConfigProblem.ofFile("m.yaml", "cannot read the file: it does not exist"))
                .hasToString("m.yaml: cannot read the file: it does not exist");
        assertThatIllegalArgumentException().isThrownBy(() -> new ConfigProblem("m.yaml", 1, 1, "two\nlines"))
                .withMessage("message: contains a line break (expected: one line)");
    }

    @Test
    void exceptionMessageIsTheProblemsOnePerLine() {
        ConfigException e = new ConfigException(List.of(
                new ConfigProblem("m.yaml", 1, 1, "a: first"), new ConfigProblem("m.yaml", 2, 3, "b: second")));

        assertThat(e.getMessage()).isEqualTo("m.yaml:1:1: a: first\nm.yaml:2:3: b: second");
        assertThat(e.problems()).hasSize(2);
        assertThatIllegalArgumentException().isThrownBy(() -> new ConfigException(List.of()))
                .withMessage("problems: empty (expected: at least one)");
    }

    @Test
    void transportHasItsConfigSpelling() {
        assertThat(Transport.EPOLL.configName()).isEqualTo("epoll");
    }

    @Test
    void listenKeepsItsTwoArgumentFormWithoutProxyProtocol() {
        assertThat(new ListenConfig("127.0.0.1", 0)).isEqualTo(new ListenConfig("127.0.0.1", 0, false));
        assertThat(ListenConfig.ofDefaults().withProxyProtocol(true).proxyProtocol()).isTrue();
    }

    @Test
    void geoValuesAreBounded() {
        GeoConfig d = GeoConfig.ofDefaults();
        assertThatIllegalArgumentException().isThrownBy(() -> d.withReloadInterval(Duration.ofMillis(5)))
                .withMessage("reloadInterval: PT0.005S (expected: >= 10ms)");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withCacheSize(-1))
                .withMessage("cacheSize: -1 (expected: 0..100000000)");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withNodeCacheSize(100_000_001))
                .withMessage("nodeCacheSize: 100000001 (expected: 0..100000000)");
        assertThat(d.withCacheSize(0).cacheSize()).as("0 disables the cache").isZero();
        assertThat(new GeoConfig(null, List.of())).isEqualTo(d);
        assertThat(d.required()).isTrue();
    }

    @Test
    void locationHeadersAreUniqueHeaderNamesKeptAsGiven() {
        GeoConfig d = GeoConfig.ofDefaults();
        assertThat(d.withLocationHeaders(List.of("X-Client-Geo-Location")).locationHeaders()).containsExactly("X-Client-Geo-Location");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withLocationHeaders(List.of("X Geo")))
                .withMessageStartingWith("locationHeaders[0]: 'X Geo' is not a valid header name");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withLocationHeaders(List.of("X-Geo", "x-geo")))
                .withMessage("locationHeaders[1]: duplicate 'x-geo' (expected: unique header names, ignoring case)");
    }

    @Test
    void routingModeIsRequiredAndBoundsAreInclusive() {
        RoutingConfig d = RoutingConfig.ofDefaults();
        assertThatNullPointerException().isThrownBy(() -> d.withMode(null)).withMessage("mode");
        assertThat(d.withHysteresis(Duration.ZERO).hysteresis()).isZero();
        assertThat(d.withSpillFactor(10).spillFactor()).isEqualTo(10.0);
    }

    @Test
    void routeKeepsItsThreeArgumentFormWithoutStickiness() {
        TimeoutConfig t = TimeoutConfig.ofDefaults();
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", t);

        assertThat(route.stickyHeader()).isNull();
        assertThat(route.withStickyHeader("X-Gitlab-Instance-Id").stickyHeader()).as("stored as given").isEqualTo("X-Gitlab-Instance-Id");
        assertThatIllegalArgumentException().isThrownBy(() -> route.withStickyHeader("X-Gitlab-Instance-Id:"))
                .withMessageStartingWith("stickyHeader: 'X-Gitlab-Instance-Id:' is not a valid header name");
    }

    @Test
    void meridianConfigBuilderKeepsTheRouting() {
        MeridianConfig withoutRouting = MeridianConfig.ofDefaults(List.of(RegionConfig.of("us-east4", GW)));
        RoutingConfig reject = RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT);

        assertThat(withoutRouting.routing()).isEqualTo(RoutingConfig.ofDefaults());
        assertThat(withoutRouting.toBuilder().routing(reject).build().routing()).isEqualTo(reject);
        assertThat(withoutRouting.toBuilder().routing(reject).build().toBuilder().geo(GeoConfig.ofDefaults()).build().routing())
                .as("other setters keep it").isEqualTo(reject);
    }

    @Test
    void routingEnumsHaveTheirConfigSpelling() {
        assertThat(RoutingMode.LATENCY_AWARE.configName()).isEqualTo("latency-aware");
        assertThat(PanicMode.REJECT.configName()).isEqualTo("reject");
    }

    @Test
    void probeValuesAreChecked() {
        ProbeConfig d = ProbeConfig.ofDefaults();
        assertThat(d).isEqualTo(new ProbeConfig(true, "/monitoring/healthz", Duration.ofSeconds(2), 0.2, Duration.ofSeconds(1), 2, 2));
        assertThatNullPointerException().isThrownBy(() -> new ProbeConfig(true, null, Duration.ofSeconds(2), 0.2, Duration.ofSeconds(1), 2, 2))
                .withMessage("path");
        assertThat(new ProbeConfig(true, "/monitoring/healthz?from=meridian", Duration.ofSeconds(2), 0.2, Duration.ofSeconds(1), 2, 2)
                .withEnabled(false).enabled()).isFalse();
    }

    @Test
    void outlierAndStallDefaultsAreTheDocumentedOnes() {
        assertThat(OutlierConfig.ofDefaults()).isEqualTo(new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, true));
        assertThat(new OutlierConfig(5, Duration.ofMinutes(5), Duration.ofMinutes(5), 50, false).baseEjection())
                .as("equal to the maximum is fine").isEqualTo(Duration.ofMinutes(5));
        assertThat(StallConfig.ofDefaults()).isEqualTo(new StallConfig(true, 4, Duration.ofSeconds(1), 2, 16));
    }

    /** Values each record refuses, with the whole message; every other value is the default. */
    static Stream<Arguments> refusals() {
        Duration s30 = Duration.ofSeconds(30);
        Duration m5 = Duration.ofMinutes(5);
        Duration s1 = Duration.ofSeconds(1);
        Duration s2 = Duration.ofSeconds(2);
        Duration s10 = Duration.ofSeconds(10);
        String healthz = "/monitoring/healthz";
        AdminConfig admin = AdminConfig.ofDefaults();
        RoutingConfig routing = RoutingConfig.ofDefaults();
        RateLimitConfig rateLimit = RateLimitConfig.ofDefaults();
        return Stream.of(
                refused("path: 'healthz' does not start with '/' (expected e.g. /monitoring/healthz)",
                        () -> new ProbeConfig(true, "healthz", s2, 0.2, s1, 2, 2)),
                refused("jitter: 0.6 (expected: 0..0.5)", () -> new ProbeConfig(true, healthz, s2, 0.6, s1, 2, 2)),
                refused("jitter: NaN (expected: 0..0.5)", () -> new ProbeConfig(true, healthz, s2, Double.NaN, s1, 2, 2)),
                refused("interval: PT0S (expected: > 0)", () -> new ProbeConfig(true, healthz, Duration.ZERO, 0.2, s1, 2, 2)),
                refused("timeout: PT-1S (expected: > 0)", () -> new ProbeConfig(true, healthz, s2, 0.2, Duration.ofSeconds(-1), 2, 2)),
                refused("unhealthyThreshold: 0 (expected: 1..100)", () -> new ProbeConfig(true, healthz, s2, 0.2, s1, 0, 2)),
                refused("healthyThreshold: 101 (expected: 1..100)", () -> new ProbeConfig(true, healthz, s2, 0.2, s1, 2, 101)),
                refused("consecutiveFailures: 0 (expected: 1..1000)", () -> new OutlierConfig(0, s30, m5, 50, true)),
                refused("maxEjection: PT10S (expected: >= baseEjection PT30S)",
                        () -> new OutlierConfig(5, s30, Duration.ofSeconds(10), 50, true)),
                refused("maxEjectedPercent: -3 (expected: 0..100)", () -> new OutlierConfig(5, s30, m5, -3, true)),
                refused("baseEjection: PT0S (expected: > 0)", () -> new OutlierConfig(5, Duration.ZERO, m5, 50, true)),
                refused("multiplier: 0.5 (expected: 1..100)", () -> new StallConfig(true, 0.5, s1, 2, 16)),
                refused("multiplier: NaN (expected: 1..100)", () -> new StallConfig(true, Double.NaN, s1, 2, 16)),
                refused("minThreshold: PT0S (expected: > 0)", () -> new StallConfig(true, 4, Duration.ZERO, 2, 16)),
                refused("overdueAttempts: 0 (expected: 1..1000)", () -> new StallConfig(true, 4, s1, 0, 16)),
                refused("maxWaiting: 0 (expected: 1..100000)", () -> new StallConfig(true, 4, s1, 2, 0)),
                refused("failureRateThreshold: 0 (expected: 1..100)", () -> new BreakerConfig(0, 100, s30, s10, 10, s10, 3)),
                refused("slowCallRateThreshold: 101 (expected: 1..100)", () -> new BreakerConfig(50, 101, s30, s10, 10, s10, 3)),
                refused("slowCallDuration: PT0S (expected: > 0)", () -> new BreakerConfig(50, 100, Duration.ZERO, s10, 10, s10, 3)),
                refused("window: PT0S (expected: whole seconds, 1s..1h)",
                        () -> new BreakerConfig(50, 100, s30, Duration.ZERO, 10, s10, 3)),
                refused("window: PT1.5S (expected: whole seconds, 1s..1h)",
                        () -> new BreakerConfig(50, 100, s30, Duration.ofMillis(1500), 10, s10, 3)),
                refused("minimumCalls: 0 (expected: 1..10000)", () -> new BreakerConfig(50, 100, s30, s10, 0, s10, 3)),
                refused("openDuration: PT0S (expected: > 0)", () -> new BreakerConfig(50, 100, s30, s10, 10, Duration.ZERO, 3)),
                refused("halfOpenCalls: 0 (expected: 1..1000)", () -> new BreakerConfig(50, 100, s30, s10, 10, s10, 0)),
                refused("capacity: 0.0 (expected: more than 0, at most 1)", () -> rateLimit.withCapacity(0)),
                refused("capacity: 1.01 (expected: more than 0, at most 1)", () -> rateLimit.withCapacity(1.01)),
                refused("defaultRetryAfter: PT0S (expected: > 0)", () -> rateLimit.withDefaultRetryAfter(Duration.ZERO)),
                refused("maxRequestBody: 0 (expected: 1..1048576)", () -> admin.withMaxRequestBody(0)),
                refused("maxRequestBody: 1048577 (expected: 1..1048576)",
                        () -> admin.withMaxRequestBody(AdminConfig.MAX_REQUEST_BODY_LIMIT + 1)),
                refused("spillFactor: 0.99 (expected: 1.0..10)", () -> routing.withSpillFactor(0.99)),
                refused("spillFactor: NaN (expected: 1.0..10)", () -> routing.withSpillFactor(Double.NaN)),
                refused("tieBand: PT-0.001S (expected: >= 0)", () -> routing.withTieBand(Duration.ofMillis(-1))),
                refused("defaultTtfb: PT0S (expected: > 0)", () -> routing.withDefaultTtfb(Duration.ZERO)));
    }

    private static Arguments refused(String message, ThrowingCallable build) {
        return arguments(message, build);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void outOfRangeValuesAreRefusedWithTheirBounds(String message, ThrowingCallable build) {
        assertThatIllegalArgumentException().isThrownBy(build).withMessage(message);
    }

    @Test
    void breakerDefaultsAreTheDocumentedOnesAndATimeWindowHoldsAnyNumberOfCalls() {
        assertThat(BreakerConfig.ofDefaults())
                .isEqualTo(new BreakerConfig(50, 100, Duration.ofSeconds(30), Duration.ofSeconds(10), 10, Duration.ofSeconds(10), 3));
        assertThat(new BreakerConfig(50, 100, Duration.ofSeconds(30), Duration.ofSeconds(5), 500, Duration.ofSeconds(10), 3).minimumCalls())
                .as("a time window holds any number of calls").isEqualTo(500);
    }

    @Test
    void rateLimitCapacityIsAFractionAboveZero() {
        RateLimitConfig d = RateLimitConfig.ofDefaults();
        assertThat(d).isEqualTo(new RateLimitConfig(Duration.ofSeconds(10), 0.5));
        assertThat(d.withCapacity(1).capacity()).isEqualTo(1.0);
    }

    @Test
    void healthConfigNeedsEveryPart() {
        HealthConfig d = HealthConfig.ofDefaults();
        assertThatNullPointerException().isThrownBy(() -> d.withBreaker(null)).withMessage("breaker");
        assertThat(d.withProbe(d.probe().withEnabled(false)).probe().enabled()).isFalse();
        assertThat(d.withOutlier(OutlierConfig.ofDefaults()).withRateLimit(RateLimitConfig.ofDefaults())).isEqualTo(d);
    }

    @Test
    void retriesValuesAreChecked() {
        RetriesConfig d = RetriesConfig.ofDefaults();
        assertThat(d).isEqualTo(new RetriesConfig(0.2, Duration.ofSeconds(10), 5, 1024 * 1024));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withBudgetRatio(-0.1)).withMessage("budgetRatio: -0.1 (expected: 0..1)");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withBudgetWindow(Duration.ZERO))
                .withMessage("budgetWindow: PT0S (expected: > 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withMinPerSecond(-1)).withMessage("minPerSecond: -1 (expected: 0..1000000)");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withReplayBuffer(1L << 31))
                .withMessage("replayBuffer: 2147483648 (expected: 0..2147483647)");
        assertThat(d.withReplayBuffer(0).replayBuffer()).as("0 turns retries of requests with a body off").isZero();
    }

    @Test
    void retryAndHedgeValuesAreChecked() {
        assertThat(RetryConfig.ofDefaults()).isEqualTo(new RetryConfig(3, false, true));
        assertThatIllegalArgumentException().isThrownBy(() -> new RetryConfig(0, false, true)).withMessage("maxAttempts: 0 (expected: 1..10)");
        assertThat(RetryConfig.ofDefaults().withMaxAttempts(1).withNonIdempotent(true).withRescue(false))
                .isEqualTo(new RetryConfig(1, true, false));
        assertThat(HedgeConfig.ofDefaults()).isEqualTo(new HedgeConfig(false, null));
        assertThatIllegalArgumentException().isThrownBy(() -> new HedgeConfig(true, Duration.ZERO))
                .withMessage("delay: PT0S (expected: > 0, or null for the live p95)");
        assertThat(HedgeConfig.ofDefaults().withEnabled(true).withDelay(Duration.ofMillis(150)).delay()).isEqualTo(Duration.ofMillis(150));
    }

    @Test
    void routeKeepsItsShorterFormsWithDefaultRetryAndNoHedging() {
        TimeoutConfig t = TimeoutConfig.ofDefaults();
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", t, "X-Gitlab-Instance-Id");

        assertThat(route.retry()).isEqualTo(RetryConfig.ofDefaults());
        assertThat(route.hedge()).isEqualTo(HedgeConfig.ofDefaults());
        RouteConfig hedged = route.withRetry(new RetryConfig(2, true, true)).withHedge(new HedgeConfig(true, null));
        assertThat(hedged.withStickyHeader(null).withTimeouts(t))
                .as("other withers keep retry and hedge")
                .isEqualTo(new RouteConfig("completions", "/v2/code/completions", t, null, new RetryConfig(2, true, true), new HedgeConfig(true, null)));
        assertThatNullPointerException().isThrownBy(() -> route.withRetry(null)).withMessage("retry");
    }

    @Test
    void meridianConfigBuilderKeepsHealthAndRetries() {
        MeridianConfig nine = MeridianConfig.ofDefaults(List.of(RegionConfig.of("us-east4", GW)));
        HealthConfig noProbes = HealthConfig.ofDefaults().withProbe(ProbeConfig.ofDefaults().withEnabled(false));
        RetriesConfig noBudget = RetriesConfig.ofDefaults().withBudgetRatio(0);

        assertThat(nine.health()).isEqualTo(HealthConfig.ofDefaults());
        assertThat(nine.retries()).isEqualTo(RetriesConfig.ofDefaults());
        MeridianConfig changed = nine.toBuilder().health(noProbes).retries(noBudget).build().toBuilder().routing(RoutingConfig.ofDefaults()).build();
        assertThat(changed.health()).as("other setters keep it").isEqualTo(noProbes);
        assertThat(changed.retries()).isEqualTo(noBudget);
        assertThatNullPointerException().isThrownBy(() -> nine.toBuilder().health(null).build()).withMessage("health");
    }

    @Test
    void apdexThresholdsMustBeOrdered() {
        ApdexConfig apdex = ApdexConfig.ofDefaults();

        assertThat(apdex).isEqualTo(new ApdexConfig(Duration.ofSeconds(1), Duration.ofSeconds(10)));
        assertThat(new ApdexConfig(Duration.ofMillis(500), Duration.ofMillis(500)).tolerated()).as("equal is fine")
                .isEqualTo(Duration.ofMillis(500));
        assertThatIllegalArgumentException().isThrownBy(() -> new ApdexConfig(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .withMessageStartingWith("tolerated: PT1S (expected: at least satisfied");
        assertThatIllegalArgumentException().isThrownBy(() -> new ApdexConfig(Duration.ZERO, Duration.ofSeconds(1)))
                .withMessageStartingWith("satisfied:");
        RouteConfig route = new RouteConfig("completions", "/v2/code/completions", TimeoutConfig.ofDefaults());
        assertThat(route.apdex()).isEqualTo(apdex);
        ApdexConfig strict = new ApdexConfig(Duration.ofMillis(300), Duration.ofSeconds(1));
        assertThat(route.withApdex(strict).withHedge(HedgeConfig.ofDefaults()).apdex()).as("other withers keep it").isEqualTo(strict);
    }

    @Test
    void accessLogBufferIsBounded() {
        assertThat(AccessLogConfig.ofDefaults()).isEqualTo(new AccessLogConfig(true, null, 16_384));
        assertThat(AccessLogConfig.off().enabled()).isFalse();
        assertThat(AccessLogConfig.ofDefaults().withFile(Path.of("a.jsonl")).withEnabled(false))
                .isEqualTo(new AccessLogConfig(false, Path.of("a.jsonl"), 16_384));
        assertThatIllegalArgumentException().isThrownBy(() -> new AccessLogConfig(true, null, 0))
                .withMessage("bufferLines: 0 (expected: 1..1048576)");
        MeridianConfig config = MeridianConfig.ofDefaults(List.of(RegionConfig.of("us-east4", GW)));
        assertThat(config.toBuilder().accessLog(AccessLogConfig.off()).build().toBuilder().geo(GeoConfig.ofDefaults()).build().accessLog())
                .as("other setters keep it").isEqualTo(AccessLogConfig.off());
    }
}
