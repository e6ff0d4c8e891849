package dev.meridian.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meridian.config.MeridianConfig;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import dev.meridian.testing.TestUpstream;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in front of real HTTP/2 and TLS upstreams on loopback: h2c and h2 regions, HTTP/1.1
 * over TLS, stream multiplexing on one connection, refused streams and GOAWAY retried elsewhere,
 * TLS failures failing over, and stream resets when a client leaves.
 */
class UpstreamProtocolsTest {

    private static X509Bundle root;
    /** Issued by {@link #root} for {@code localhost} and {@code 127.0.0.1}. */
    private static X509Bundle good;
    /** Issued by {@link #root} for another name only. */
    private static X509Bundle otherName;
    /** Issued by a root nobody trusts. */
    private static X509Bundle strangerIssued;

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void certificates() throws Exception {
        root = new CertificateBuilder().subject("CN=Meridian Test Root").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        good = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .ecp256().buildIssuedBy(root);
        otherName = new CertificateBuilder().subject("CN=other.example").addSanDnsName("other.example")
                .ecp256().buildIssuedBy(root);
        X509Bundle stranger = new CertificateBuilder().subject("CN=Stranger Root").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        strangerIssued = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").ecp256().buildIssuedBy(stranger);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void h2cRegionAnswersAPostWithItsBody() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2c("a"));
        MeridianServer router = router(region("east", upstream.url(false), "h2c", null));

        HttpResponse<String> response = post(router, "/v2/code/completions", "{\"q\":1}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("a POST /v2/code/completions 7");
        assertThat(response.headers().firstValue("x-meridian-region")).hasValue("east");
        assertThat(response.headers().firstValue("x-upstream")).hasValue("a");
    }

    /** Found in review: an HTTP/2 region's 1xx arrives as one whole message and used to swallow the response after it. */
    @Test
    void anInterimResponseFromAnHttp2RegionIsDroppedAndTheResponseFollows() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2c("a"));
        MeridianServer router = router(region("east", upstream.url(false), "h2c", null));

        assertAnswersGet(router, "/early-hints", "a");
    }

    @Test
    void h2RegionOverTlsWithAlpnAndServerNameAnswers() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2("a", good));
        MeridianServer router = router(region("east", upstream.url(true), "h2", "{ca: " + ca() + ", server-name: localhost}"));

        assertAnswersGet(router, "/v2/completions", "a");
    }

    @Test
    void http1RegionOverTlsAnswers() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.http1("a", good));
        MeridianServer router = router(region("east", upstream.url(true), "h1", "{ca: " + ca() + "}"));

        HttpResponse<String> first = post(router, "/v2/chat/agent", "hello");
        HttpResponse<String> second = get(router, "/v2/chat/agent");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("a POST /v2/chat/agent 5");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(upstream.connections.get()).as("the TLS connection is pooled and reused").isEqualTo(1);
    }

    @Test
    void verifyFalseAcceptsACertificateNobodyTrusts() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2("a", strangerIssued));
        MeridianServer router = router(region("east", upstream.url(true), "h2", "{verify: false}"));

        assertThat(get(router, "/x").statusCode()).isEqualTo(200);
    }

    @Test
    void fiftyConcurrentRequestsToAnH2cRegionShareOneConnection() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2c("a"));
        upstream.gather(50);
        MeridianServer router = router(region("east", upstream.url(false), "h2c", null));

        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            responses.add(client.sendAsync(request(router, "/gather/" + i).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }

        assertThat(upstream.maxOpenStreams.get()).as("all 50 were in flight at once").isEqualTo(50);
        assertThat(upstream.connections.get()).as("on one multiplexed connection").isEqualTo(1);
    }

    @Test
    void refusedStreamIsRetriedOnAnotherRegionEvenForPost() throws Exception {
        TestUpstream refusing = upstream(TestUpstream.h2c("refusing")).mode(TestUpstream.Mode.REFUSE_STREAM);

        HttpResponse<String> response = postFailingOverFrom(region("first", refusing.url(false), "h2c", null),
                TestUpstream.h2c("healthy"), "h2c", "{\"body\":true}");

        assertThat(response.body()).isEqualTo("healthy POST /v2/code/generations 13");
        assertThat(refusing.requests.get()).as("the first region was tried and refused").isEqualTo(1);
    }

    @Test
    void goAwayBeforeAnsweringIsRetriedOnAnotherRegionEvenForPost() throws Exception {
        TestUpstream leaving = upstream(TestUpstream.h2c("leaving")).mode(TestUpstream.Mode.GOAWAY);

        postFailingOverFrom(region("first", leaving.url(false), "h2c", null), TestUpstream.h2c("healthy"), "h2c", "abc");

        assertThat(leaving.requests.get()).as("the first region was tried").isEqualTo(1);
    }

    @Test
    void unknownCaFailsOverToTheHealthyRegion() throws Exception {
        assertTlsRegionFailsOver(TestUpstream.h2("untrusted", strangerIssued), "h2", TestUpstream.h2c("healthy"), "h2c");
    }

    @Test
    void nameMismatchOnAnHttp1RegionFailsOverToTheHealthyRegion() throws Exception {
        assertTlsRegionFailsOver(TestUpstream.http1("misnamed", otherName), "h1", TestUpstream.http1("healthy", null), "h1");
    }

    @Test
    void aSlowStreamDoesNotStallAnotherOnTheSameConnection() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2c("a"));
        MeridianServer router = router(region("east", upstream.url(false), "h2c", null));

        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(request(router, "/hold").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upstream.holdSeen.await(10, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> quick = get(router, "/quick");

        assertThat(quick.statusCode()).isEqualTo(200);
        assertThat(slow).as("the slow one is still waiting").isNotDone();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gauge(router, "meridian.upstream.streams", null)).as("the slow stream is active").isEqualTo(1);
            assertThat(gauge(router, "meridian.upstream.connections", "in_use")).isEqualTo(1);
            assertThat(gauge(router, "meridian.upstream.connections", "idle")).isZero();
        });
        upstream.releaseHeld();
        assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("a GET /hold 0");
        assertThat(upstream.connections.get()).isEqualTo(1);
    }

    @Test
    void aClientThatLeavesResetsItsUpstreamStreamAndTheConnectionStaysUsable() throws Exception {
        TestUpstream upstream = upstream(TestUpstream.h2c("a"));
        MeridianServer router = router(region("east", upstream.url(false), "h2c", null));

        try (Socket socket = new Socket("127.0.0.1", router.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /hold HTTP/1.1\r\nHost: meridian\r\nContent-Length: 2\r\n\r\nhi")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(upstream.holdSeen.await(10, TimeUnit.SECONDS)).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(upstream.resetsReceived.get()).as("RST_STREAM for the abandoned stream").isEqualTo(1));

        HttpResponse<String> next = get(router, "/after");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(upstream.connections.get()).as("the shared connection survived the reset").isEqualTo(1);
    }

    @Test
    void anH2RegionWhoseEndpointDoesNotSelectH2FailsOverToTheHealthyRegion() throws Exception {
        assertTlsRegionFailsOver(TestUpstream.http1("http1-only", good), "h2", TestUpstream.h2c("healthy"), "h2c");
    }

    @Test
    void aReloadThatRemovesAnEndpointClosesItsPooledConnections() throws Exception {
        TestUpstream old = upstream(TestUpstream.h2c("old"));
        TestUpstream next = upstream(TestUpstream.h2c("next"));
        MeridianServer router = router(region("east", old.url(false), "h2c", null));
        assertThat(get(router, "/x").statusCode()).isEqualTo(200);
        assertThat(old.connections.get()).isEqualTo(1);

        router.reload(config(region("east", next.url(false), "h2c", null)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(old.closedConnections.get()).as("the removed endpoint's idle connection").isEqualTo(1));
        HttpResponse<String> response = get(router, "/y");
        assertThat(response.body()).isEqualTo("next GET /y 0");
    }

    // ---- fixtures ----------------------------------------------------------------------------

    private TestUpstream upstream(TestUpstream upstream) {
        toClose.add(upstream);
        return upstream;
    }

    private String ca() throws IOException {
        Path file = dir.resolve("ca.pem");
        if (!Files.exists(file)) {
            Files.writeString(file, root.getCertificatePEM());
        }
        return file.toString();
    }

    private static RouterFixture.Region region(String name, String endpoint, String protocol, @Nullable String tls) {
        return tls == null ? RouterFixture.Region.at(name, List.of(endpoint), "protocol: " + protocol)
                : RouterFixture.Region.at(name, List.of(endpoint), "protocol: " + protocol, "tls: " + tls);
    }

    private static double gauge(MeridianServer router, String name, String state) {
        var search = router.meterRegistry().find(name).tag("region", "east");
        if (state != null) {
            search = search.tag("state", state);
        }
        return search.gauge().value();
    }

    private static MeridianConfig config(RouterFixture.Region... regions) {
        return RouterFixture.builder().server("{event-loops: 1}").regions(regions).build().config();
    }

    private MeridianServer router(RouterFixture.Region... regions) {
        MeridianServer router = MeridianServer.start(config(regions));
        toClose.add(router);
        return router;
    }

    private HttpRequest.Builder request(MeridianServer router, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
                .timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(MeridianServer router, String path) throws Exception {
        return client.send(request(router, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A POST to a router whose region {@code first} fails and whose region {@code second} is the
     * healthy upstream given (plain text, speaking {@code protocol}): it must be answered by the second.
     */
    private HttpResponse<String> postFailingOverFrom(RouterFixture.Region first, TestUpstream healthy, String protocol,
            String body) throws Exception {
        upstream(healthy);
        MeridianServer router = router(first, region("second", healthy.url(false), protocol, null));

        HttpResponse<String> response = post(router, "/v2/code/generations", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-meridian-region")).hasValue("second");
        return response;
    }

    /** A GET of {@code path} through the router is answered 200 by the upstream named {@code upstream}. */
    private void assertAnswersGet(MeridianServer router, String path, String upstream) throws Exception {
        HttpResponse<String> response = get(router, path);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(upstream + " GET " + path + " 0");
    }

    /**
     * A POST fails over from region {@code first}, a TLS endpoint (trusting our CA) that fails the
     * handshake or ALPN, to {@code healthy}: a connection to the first was tried, no request reached it.
     */
    private void assertTlsRegionFailsOver(TestUpstream first, String protocol, TestUpstream healthy, String healthyProtocol)
            throws Exception {
        upstream(first);

        postFailingOverFrom(region("first", first.url(true), protocol, "{ca: " + ca() + "}"), healthy, healthyProtocol, "abc");

        assertThat(first.connections.get()).as("a connection was tried").isGreaterThanOrEqualTo(1);
        assertThat(first.requests.get()).as("no request on it (no HTTP/1.1 request on a connection meant for h2)").isZero();
    }

    private HttpResponse<String> post(MeridianServer router, String path, String body) throws Exception {
        return client.send(request(router, path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
