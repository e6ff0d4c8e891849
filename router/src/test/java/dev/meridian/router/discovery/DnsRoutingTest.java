package dev.meridian.router.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.meridian.config.MeridianConfig;
import dev.meridian.health.HealthReport;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.testing.Dnsmasq;
import dev.meridian.testing.RouterFixture;
import dev.meridian.testing.TestUpstream;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The router in front of gateway replicas found by DNS: a real DNS server (dnsmasq, TTL 1 s) and
 * replicas on 127.0.0.2, 127.0.0.3, ... sharing one port, as the addresses of a Cloud Run URL or
 * a Kubernetes headless Service do. Each case runs traffic through the router while the DNS
 * answer changes or the DNS server fails, and checks where requests went and that none failed.
 */
class DnsRoutingTest {

    private static final Duration BOUND = Duration.ofSeconds(15);
    /** What "traffic follows within a few seconds" means here: TTL 1 s, a refresh, a probe. */
    private static final Duration FOLLOW = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Dnsmasq dns;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void start() {
        dns = Dnsmasq.start(dir);
        logs.start();
        ((Logger) LoggerFactory.getLogger(MeridianServer.class)).addAppender(logs);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(MeridianServer.class)).detachAppender(logs);
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        dns.close();
    }

    // ---- the cases -----------------------------------------------------------------------------

    @Test
    void trafficFollowsARecordThatMovesWithinSecondsAndNoRequestFails() throws Exception {
        BehindOneName east = behindOneName("127.0.0.2");
        TestUpstream a = east.a();
        TestUpstream b = east.b();
        MeridianServer router = east.router();
        assertThat(upstreamOf(get(router, "/v2/code/completions"))).isEqualTo("a");

        try (Load load = new Load(router, 2)) {
            List<String> figures = new ArrayList<>();
            String[][] moves = {{"127.0.0.3", "b", "a"}, {"127.0.0.2", "a", "b"}, {"127.0.0.3", "b", "a"}, {"127.0.0.2", "a", "b"}};
            for (String[] move : moves) {
                long changed = System.nanoTime();
                dns.set("gw.test", move[0]);
                await().atMost(FOLLOW).until(() -> load.answeredBySince(move[1], changed) >= 10);
                figures.add(load.follow(changed, move[1], move[2]));
            }
            load.stop();

            System.out.println("DNS record moved, traffic followed: " + String.join("; ", figures));
            assertThat(load.failures()).as("no client errors while the record moved").isEmpty();
            assertThat(load.total()).isGreaterThan(50);
        }
        assertThat(a.hosts).as("Host is the configured name, not the address").isNotEmpty()
                .allMatch(h -> h.equals("gw.test:" + a.port()));
        assertThat(b.hosts).isNotEmpty().allMatch(h -> h.equals("gw.test:" + a.port()));
    }

    @Test
    void twoAddressesOfANameShareTheTraffic() throws Exception {
        BehindOneName east = behindOneName("127.0.0.2", "127.0.0.3");
        TestUpstream a = east.a();
        MeridianServer router = east.router();

        try (Load load = new Load(router, 4)) {
            await().atMost(BOUND).until(() -> load.total() >= 400);
            load.stop();

            assertThat(load.failures()).isEmpty();
            long toA = load.answeredBy("a");
            long toB = load.answeredBy("b");
            assertThat(Math.min(toA, toB)).as("a: %d, b: %d", toA, toB).isGreaterThan(load.total() / 10);
        }
        assertThat(router.healthReport().regions().get(0).endpoints()).extracting(HealthReport.EndpointReport::label)
                .containsExactly("gw.test:" + a.port() + " (127.0.0.2)", "gw.test:" + a.port() + " (127.0.0.3)");
        assertThat(gauge(router, "meridian.region.endpoints", "east")).isEqualTo(2);
        assertThat(gauge(router, "meridian.dns.addresses", "east")).isEqualTo(2);
    }

    @Test
    void anAddressThatLeavesTakesNoNewRequestsFinishesThoseInFlightThenItsConnectionsClose() throws Exception {
        BehindOneName east = behindOneName("127.0.0.2", "127.0.0.3");
        TestUpstream a = east.a();
        TestUpstream b = east.b();
        MeridianServer router = east.router();
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            slow.add(client.sendAsync(request(router, "/delay/2000").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(BOUND).until(() -> a.requests.get() >= 1 && b.requests.get() >= 1 && a.requests.get() + b.requests.get() >= 8);

        dns.set("gw.test", "127.0.0.2");

        await().atMost(FOLLOW).until(() -> router.healthReport().regions().get(0).endpoints().size() == 1);
        for (int i = 0; i < 20; i++) {
            assertThat(upstreamOf(get(router, "/v2/code/completions"))).as("no new requests to the address that left").isEqualTo("a");
        }
        for (CompletableFuture<HttpResponse<String>> response : slow) {
            assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).as("in flight when the address left").isEqualTo(200);
        }
        await().atMost(BOUND).untilAsserted(() -> assertThat(b.closedConnections.get())
                .as("then its pool closes its connections").isEqualTo(b.connections.get()));
    }

    @Test
    void whenTheDnsServerStopsRoutingGoesOnWithTheLastAnswer() throws Exception {
        MeridianServer router = behindOneName("127.0.0.2", "127.0.0.3").router();

        try (Load load = new Load(router, 2)) {
            await().atMost(BOUND).until(() -> load.total() >= 10);
            dns.stop();
            await().atMost(BOUND).until(() -> router.dnsNames().get("gw.test").failures() >= 3);
            long during = System.nanoTime();
            await().atMost(BOUND).until(() -> load.answeredBySince("a", during) >= 5 && load.answeredBySince("b", during) >= 5);
            load.stop();

            assertThat(load.failures()).isEmpty();
            NameStatus status = router.dnsNames().get("gw.test");
            assertThat(status.state()).isEqualTo(NameStatus.State.FAILING);
            assertThat(status.addresses()).hasSize(2);
            assertThat(scrape(router)).contains("meridian_dns_resolutions_total{region=\"east\",result=\"failure\"}");
        }
        dns.restart();
        await().atMost(Duration.ofSeconds(40)).until(() -> router.dnsNames().get("gw.test").state() == NameStatus.State.RESOLVED);
    }

    @Test
    void nxdomainEmptiesTheRegionAfterTheTtlAndTheNextRegionTakesOver() throws Exception {
        TestUpstream a = upstream("a", "127.0.0.2", 0);
        TestUpstream c = upstream("c", "127.0.0.1", 0);
        dns.set("gw.test", "127.0.0.2");
        MeridianServer router = routerWithEastUp(region("east", "http://gw.test:" + a.port()), region("west", "http://127.0.0.1:" + c.port()));
        assertThat(upstreamOf(get(router, "/v2/code/completions"))).as("the nearest region").isEqualTo("a");

        try (Load load = new Load(router, 2)) {
            long removed = System.nanoTime();
            dns.remove("gw.test");
            await().atMost(FOLLOW).until(() -> load.answeredBySince("c", removed) >= 10);
            String figure = load.follow(removed, "c", "a");
            long back = System.nanoTime();
            dns.set("gw.test", "127.0.0.2");
            await().atMost(FOLLOW).until(() -> load.answeredBySince("a", back) >= 10);
            String returned = load.follow(back, "a", "c");
            load.stop();

            System.out.println("NXDOMAIN, next region took over: " + figure + "; record back, region returned: " + returned);
            assertThat(load.failures()).isEmpty();
        }
        assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().startsWith("region east is unavailable: its endpoint names do not resolve: http://gw.test:"));
    }

    @Test
    void aNameThatDoesNotResolveAtStartLeavesItsRegionUnavailableWithAWarningUntilItDoes() throws Exception {
        TestUpstream a = upstream("a", "127.0.0.2", 0);
        TestUpstream c = upstream("c", "127.0.0.1", 0);
        long begin = System.nanoTime();
        MeridianServer router = router(region("east", "http://gw.test:" + a.port()), region("west", "http://127.0.0.1:" + c.port()));
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

        assertThat(startMillis).as("no stuck start").isLessThan(5_000);
        assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().equals(
                "region east is unavailable: its endpoint names do not resolve: http://gw.test:" + a.port()
                        + " (NXDOMAIN for gw.test from 127.0.0.1:" + dns.port() + "); it takes traffic when they do"));
        assertThat(upstreamOf(get(router, "/v2/code/completions"))).isEqualTo("c");
        assertThat(gauge(router, "meridian.region.available", "east")).isZero();

        long added = System.nanoTime();
        dns.set("gw.test", "127.0.0.2");

        await().atMost(FOLLOW).until(() -> "a".equals(upstreamOf(get(router, "/v2/code/completions"))));
        System.out.println("A name that did not resolve at start: router started in " + startMillis
                + " ms; region took traffic " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - added) + " ms after the record appeared");
    }

    @Test
    void tlsEndpointsGiveTheNameAsSniAndHostToEveryAddress() throws Exception {
        X509Bundle root = new CertificateBuilder().subject("CN=Meridian DNS Test Root").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        X509Bundle named = new CertificateBuilder().subject("CN=gw.test").addSanDnsName("gw.test").ecp256().buildIssuedBy(root);
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, root.getCertificatePEM());
        TestUpstream a = upstream(TestUpstream.http1("a", named, "127.0.0.2", 0));
        TestUpstream b = upstream(TestUpstream.http1("b", named, "127.0.0.3", a.port()));
        dns.set("gw.test", "127.0.0.2", "127.0.0.3");
        MeridianServer router = routerWithEastUp(region("east", "https://gw.test:" + a.port(), "tls: {ca: " + ca + "}"));

        for (int i = 0; i < 40; i++) {
            assertThat(get(router, "/v2/code/completions").statusCode()).isEqualTo(200);
        }

        assertThat(a.requests.get()).isPositive();
        assertThat(b.requests.get()).isPositive();
        for (TestUpstream upstream : List.of(a, b)) {
            assertThat(upstream.serverNames).as("SNI, probes included").isNotEmpty().allMatch("gw.test"::equals);
            assertThat(upstream.hosts).isNotEmpty().allMatch(("gw.test:" + a.port())::equals);
        }
    }

    @Test
    void anHttp2EndpointGetsTheNameAsAuthority() throws Exception {
        TestUpstream a = upstream(TestUpstream.h2c("a", "127.0.0.2", 0));
        TestUpstream literal = upstream(TestUpstream.h2c("literal", "127.0.0.1", 0));
        dns.set("gw.test", "127.0.0.2");
        MeridianServer router = routerWithEastUp(region("east", "http://gw.test:" + a.port(), "protocol: h2c"),
                region("west", "http://127.0.0.1:" + literal.port(), "protocol: h2c"));

        HttpResponse<String> response = get(router, "/v2/code/completions");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstreamOf(response)).isEqualTo("a");
        assertThat(a.hosts).as(":authority of requests and probes").isNotEmpty().allMatch(("gw.test:" + a.port())::equals);
    }

    @Test
    void aReloadResolvesNewNamesBeforeItsConfigurationTakesTrafficAndForgetsOldOnes() throws Exception {
        TestUpstream a = upstream("a", "127.0.0.2", 0);
        TestUpstream c = upstream("c", "127.0.0.1", 0);
        dns.set("gw.test", "127.0.0.2");
        dns.set("old.test", "127.0.0.1");
        MeridianServer router = router(region("east", "http://old.test:" + c.port()));
        assertThat(router.dnsNames()).containsOnlyKeys("old.test");

        router.reload(config(region("east", "http://gw.test:" + a.port())));

        assertThat(upstreamOf(get(router, "/v2/code/completions"))).as("resolved during the reload").isEqualTo("a");
        assertThat(router.dnsNames()).containsOnlyKeys("gw.test");
        assertThat(router.meterRegistry().find("meridian.dns.addresses").tag("region", "east").gauge().value()).isEqualTo(1);
    }

    // ---- fixtures ------------------------------------------------------------------------------

    /** Upstreams {@code a} (127.0.0.2) and {@code b} (127.0.0.3) on one port, and a router whose region east is gw.test. */
    private record BehindOneName(TestUpstream a, TestUpstream b, MeridianServer router) {}

    /** {@link BehindOneName}, with gw.test answering the addresses given. */
    private BehindOneName behindOneName(String... addresses) throws Exception {
        TestUpstream a = upstream("a", "127.0.0.2", 0);
        TestUpstream b = upstream("b", "127.0.0.3", a.port());
        dns.set("gw.test", addresses);
        return new BehindOneName(a, b, routerWithEastUp(region("east", "http://gw.test:" + a.port())));
    }

    private TestUpstream upstream(String name, String address, int port) throws Exception {
        return upstream(TestUpstream.http1(name, null, address, port));
    }

    private TestUpstream upstream(TestUpstream upstream) {
        toClose.add(upstream);
        return upstream;
    }

    /**
     * A region; {@code east} near the clients, any other far away (clients send their location in
     * a trusted header), so that traffic goes east whenever east is available, whatever the probes
     * measure.
     */
    private static RouterFixture.Region region(String name, String endpoint, String... keys) {
        List<String> lines = new ArrayList<>();
        lines.add(name.equals("east") ? "location: {lat: 39.04, lon: -77.49}" : "location: {lat: 51.51, lon: -0.13}");
        lines.addAll(List.of(keys));
        return RouterFixture.Region.at(name, List.of(endpoint), lines.toArray(String[]::new));
    }

    private MeridianConfig config(RouterFixture.Region... regions) {
        return RouterFixture.builder()
                .server("{event-loops: 2}")
                .set("dns", "{servers: [\"" + dns.server() + "\"], query-timeout: 300ms}")
                .health("{probe: {interval: 500ms}}")
                .locationHeader()
                .regions(regions)
                .build().config();
    }

    /**
     * A router whose region east, named in DNS, can take requests: at start the router waits only a
     * bounded time (twice the query timeout) for the first answers, and a later answer joins east
     * from the applier thread a moment after.
     */
    private MeridianServer routerWithEastUp(RouterFixture.Region... regions) {
        MeridianServer router = router(regions);
        await("east available").atMost(BOUND).until(() -> gauge(router, "meridian.region.available", "east") == 1);
        return router;
    }

    private MeridianServer router(RouterFixture.Region... regions) {
        MeridianServer router = MeridianServer.start(config(regions));
        toClose.add(router);
        return router;
    }

    private HttpRequest.Builder request(MeridianServer router, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path)).timeout(Duration.ofSeconds(20))
                .header("X-Client-Geo-Location", "40.71,-74.01"); // New York
    }

    private HttpResponse<String> get(MeridianServer router, String path) throws Exception {
        return client.send(request(router, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String upstreamOf(HttpResponse<String> response) {
        return response.headers().firstValue("x-upstream").orElse("status " + response.statusCode());
    }

    private static double gauge(MeridianServer router, String name, String region) {
        return router.meterRegistry().find(name).tag("region", region).gauge().value();
    }

    private static String scrape(MeridianServer router) {
        return ((PrometheusMeterRegistry) router.meterRegistry()).scrape();
    }

    /** Clients sending requests one after another until stopped, recording when each was sent and who answered. */
    private final class Load implements AutoCloseable {

        private record Sample(long sentNanos, long doneNanos, String upstream, int status) {}

        private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(MeridianServer router, int clients) {
            for (int i = 0; i < clients; i++) {
                Thread thread = new Thread(() -> {
                    for (int n = 0; n < 100_000 && running.get(); n++) { // bounded: the test stops it long before
                        long sent = System.nanoTime();
                        try {
                            HttpResponse<String> response = get(router, "/v2/code/completions");
                            samples.add(new Sample(sent, System.nanoTime(), upstreamOf(response), response.statusCode()));
                        } catch (Exception e) {
                            samples.add(new Sample(sent, System.nanoTime(), e.toString(), -1));
                        }
                    }
                }, "dns-test-load-" + i);
                thread.start();
                threads.add(thread);
            }
        }

        long total() {
            return samples.size();
        }

        long answeredBy(String upstream) {
            return samples.stream().filter(s -> s.upstream().equals(upstream)).count();
        }

        long answeredBySince(String upstream, long sinceNanos) {
            return samples.stream().filter(s -> s.sentNanos() - sinceNanos >= 0 && s.upstream().equals(upstream)).count();
        }

        List<String> failures() {
            return samples.stream().filter(s -> s.status() != 200).map(s -> s.status() + " " + s.upstream())
                    .collect(Collectors.toList());
        }

        /** When the first response from {@code to} arrived, and when the last request answered by {@code from} was sent, after {@code changed}. */
        String follow(long changed, String to, String from) {
            long first = samples.stream().filter(s -> s.upstream().equals(to) && s.sentNanos() >= changed)
                    .mapToLong(Sample::doneNanos).min().orElse(changed);
            long last = samples.stream().filter(s -> s.upstream().equals(from) && s.sentNanos() >= changed)
                    .mapToLong(Sample::sentNanos).max().orElse(changed);
            return String.format("first answer from %s after %d ms, last request to %s sent after %d ms",
                    to, TimeUnit.NANOSECONDS.toMillis(first - changed), from, TimeUnit.NANOSECONDS.toMillis(Math.max(0, last - changed)));
        }

        void stop() {
            running.set(false);
            for (Thread thread : threads) {
                try {
                    thread.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
