package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.testing.TestUpstream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The load generator over TLS ({@code --tls}, {@code https://} targets) against a small loopback
 * HTTPS server: responses are counted as over plaintext, ALPN settles on {@code http/1.1}, SNI
 * carries the target's host name, an untrusted certificate fails the run with a message that says
 * so, and a plaintext run has no TLS handler in its pipeline.
 */
class TlsLoadTest {

    private static X509Bundle ca;
    private static X509Bundle server;
    private static X509Bundle otherCa;

    @TempDir
    Path directory;

    /** An HTTPS server offering h2 and http/1.1 by ALPN, so that the client's choice shows. */
    @AutoClose
    private TestUpstream tlsServer;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void certificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=Loadgen Test CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        server = new CertificateBuilder().subject("CN=localhost").addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                .ecp256().setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        otherCa = new CertificateBuilder().subject("CN=Some Other CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    }

    @Test
    void openLoopOverTlsCountsEveryResponseWithAlpnHttp11() throws Exception {
        tlsServer = TestUpstream.alpn("tls", server);
        Path caFile = Files.writeString(directory.resolve("ca.pem"), ca.getCertificatePEM(), US_ASCII);

        LoadResult result = LoadGenerator.run(LoadSpec.openLoop(tlsServer.uri("https"), 200, Duration.ofSeconds(1))
                .withConnections(4)
                .withTls(LoadTls.trusting(caFile)));

        assertThat(result.spec().target().toString()).startsWith("https://127.0.0.1:");
        assertThat(result.requests()).as("200/s for 1 s").isBetween(190L, 210L);
        assertThat(result.errorCount()).isZero();
        assertThat(result.responsesByStatusClass()).containsEntry("2xx", result.requests());
        String body = "tls GET / 0"; // TestUpstream's answer: its name, the method, the path, the request's body bytes
        assertThat(result.bytesReceived()).as("the decrypted body, %d bytes a response", body.length())
                .isEqualTo(body.length() * result.requests());
        assertThat(tlsServer.requests.get()).isEqualTo(result.sent());
        assertThat(tlsServer.received()).extracting(TestUpstream.Request::protocol).as("ALPN on every connection")
                .containsOnly(ApplicationProtocolNames.HTTP_1_1);
        assertThat(tlsServer.received()).extracting(TestUpstream.Request::sni).as("no SNI for an IP address (RFC 6066 section 3)")
                .containsOnly("");
    }

    @Test
    void commandLineWithCaVerifiesTheChainAndTheHostName() throws Exception {
        tlsServer = TestUpstream.alpn("tls", server);
        Path caFile = Files.writeString(directory.resolve("ca.pem"), ca.getCertificatePEM(), US_ASCII);

        int exit = execute("--target", "localhost:" + tlsServer.port(), "--tls", "--ca", caFile.toString(),
                "--closed", "--concurrency", "2", "--duration", "500ms", "--warmup", "0", "--quiet");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains("-> https://localhost:" + tlsServer.port() + ", TLS (trusting " + caFile + ")");
        assertThat(out.toString()).contains("target      https://localhost:" + tlsServer.port()).containsPattern("requests +\\d+ completed");
        assertThat(tlsServer.requests.get()).isPositive();
        tlsServer.close();

        // Signed by the trusted CA, but for another name: refused by the host name check.
        X509Bundle elsewhere = new CertificateBuilder().subject("CN=elsewhere.test").addSanDnsName("elsewhere.test").ecp256()
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature).addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        tlsServer = TestUpstream.alpn("tls", elsewhere);
        exit = execute("--target", "https://localhost:" + tlsServer.port(), "--ca", caFile.toString(),
                "--closed", "--concurrency", "1", "--duration", "500ms", "--warmup", "0", "--quiet");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("TLS handshake with localhost:" + tlsServer.port() + " failed");
        assertThat(tlsServer.requests.get()).isZero();
    }

    @Test
    void insecureAcceptsASelfSignedCertificate() throws Exception {
        // Like `openssl req -x509`: a self-signed certificate is its own CA.
        X509Bundle selfSigned = new CertificateBuilder().subject("CN=self").addSanIpAddress("127.0.0.1")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        tlsServer = TestUpstream.alpn("tls", selfSigned);

        int exit = execute("--target", "https://127.0.0.1:" + tlsServer.port(), "--insecure",
                "--rate", "50", "--duration", "1s", "--warmup", "0", "--connections", "2", "--quiet");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("requests    50 completed");
        assertThat(tlsServer.requests.get()).isEqualTo(50);
    }

    @Test
    void untrustedCertificateFailsTheRunClearly() throws Exception {
        tlsServer = TestUpstream.alpn("tls", server);
        Path wrongCa = Files.writeString(directory.resolve("other-ca.pem"), otherCa.getCertificatePEM(), US_ASCII);
        URI target = tlsServer.uri("https");

        assertThatThrownBy(() -> LoadGenerator.run(LoadSpec.openLoop(target, 10, Duration.ofSeconds(1))
                        .withConnections(2).withTls(LoadTls.trusting(wrongCa))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot connect to " + target + ": TLS handshake with 127.0.0.1:" + tlsServer.port() + " failed: ");

        int exit = execute("--target", target.toString(), "--ca", wrongCa.toString(),
                "--rate", "10", "--duration", "1s", "--warmup", "0", "--connections", "1", "--quiet");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .contains("loadgen: cannot connect to " + target + ": TLS handshake with 127.0.0.1:" + tlsServer.port() + " failed")
                .contains("give its CA with --ca FILE", "or --insecure")
                .doesNotContain("Usage:");
        assertThat(tlsServer.requests.get()).as("nothing sent without a trusted handshake").isZero();
    }

    @Test
    void theJvmTrustStoreDoesNotTrustATestCa() throws Exception {
        tlsServer = TestUpstream.alpn("tls", server);

        int exit = execute("--target", "https://127.0.0.1:" + tlsServer.port(), "--rate", "10", "--duration", "1s",
                "--warmup", "0", "--connections", "1", "--quiet");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("TLS handshake with 127.0.0.1:" + tlsServer.port() + " failed",
                "not signed by a CA in the JVM's trust store");
    }

    @Test
    void tlsOptionsWithoutTlsOrTogetherAreUsageErrors() throws Exception {
        Path caFile = Files.writeString(directory.resolve("ca.pem"), ca.getCertificatePEM(), US_ASCII);

        assertThat(execute("--target", "http://127.0.0.1:1", "--rate", "10", "--ca", caFile.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--ca applies to TLS: add --tls");
        assertThat(execute("--target", "http://127.0.0.1:1", "--rate", "10", "--insecure")).isEqualTo(2);
        assertThat(err.toString()).contains("--insecure applies to TLS");
        assertThat(execute("--target", "https://127.0.0.1:1", "--rate", "10", "--insecure", "--ca", caFile.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--ca and --insecure: give one");
        assertThat(execute("--target", "https://127.0.0.1:1", "--rate", "10", "--ca", directory.resolve("nope.pem").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("nope.pem: no such readable file");
    }

    @Test
    void specTlsFollowsTheScheme() {
        LoadSpec plain = LoadSpec.openLoop(URI.create("http://example.test"), 1, Duration.ofSeconds(1));
        LoadSpec https = LoadSpec.openLoop(URI.create("https://example.test"), 1, Duration.ofSeconds(1));

        assertThat(plain.tls()).isNull();
        assertThat(plain.port()).isEqualTo(80);
        assertThat(https.tls()).as("an https target verifies against the JVM's trust store").isEqualTo(LoadTls.systemTrust());
        assertThat(https.port()).isEqualTo(443);
        assertThat(plain.withTls(LoadTls.trustingAnything()).target()).isEqualTo(URI.create("https://example.test"));
        assertThat(https.withTls(null).target()).isEqualTo(URI.create("http://example.test"));
        assertThatThrownBy(() -> new LoadSpec(LoadMode.OPEN_LOOP, URI.create("http://h:1"), 1, 1, Duration.ofSeconds(1),
                Duration.ZERO, Duration.ofSeconds(1), RequestMix.get("/"), 1, 0, null, null, LoadTls.systemTrust()))
                .hasMessageStartingWith("tls: set for the http target");
        assertThatThrownBy(() -> new LoadTls(Path.of("ca.pem"), true)).hasMessageContaining("one or the other");
    }

    @Test
    void plaintextPipelineHasNoTlsHandlerAndTlsPutsItFirstWithSni() {
        EmbeddedChannel loop = new EmbeddedChannel();
        Bootstrap prototype = new Bootstrap().channel(EmbeddedChannel.class);
        SslContext context = LoadTls.trustingAnything().newClientContext();
        // The pipelines are built without a driver: nothing here connects or sends.
        LoadConnection plain = new LoadConnection(null, loop.eventLoop(), prototype, new LoadMeasurements());
        LoadConnection tls = new LoadConnection(null, loop.eventLoop(), prototype, new LoadMeasurements(),
                new LoadConnection.Tls(context, "meridian.test", 443, 1000));

        EmbeddedChannel plainChannel = new EmbeddedChannel(plain.channelInitializer());
        EmbeddedChannel tlsChannel = new EmbeddedChannel(tls.channelInitializer());
        try {
            assertThat(names(plainChannel)).containsExactly(LoadConnection.CODEC, LoadConnection.TIMING);
            assertThat(names(tlsChannel)).containsExactly(LoadConnection.TLS, LoadConnection.CODEC, LoadConnection.TIMING);
            SSLEngine engine = tlsChannel.pipeline().get(SslHandler.class).engine();
            assertThat(engine.getUseClientMode()).isTrue();
            assertThat(engine.getSSLParameters().getServerNames()).as("SNI").containsExactly(new SNIHostName("meridian.test"));
        } finally {
            plainChannel.finishAndReleaseAll();
            tlsChannel.finishAndReleaseAll();
            loop.finishAndReleaseAll();
        }
    }

    private static List<String> names(EmbeddedChannel channel) {
        return channel.pipeline().names().stream().filter(name -> !name.startsWith("DefaultChannelPipeline$TailContext")).toList();
    }

    private int execute(String... args) {
        LoadgenCommand command = new LoadgenCommand();
        command.progressStream = new PrintStream(new ByteArrayOutputStream(), true, UTF_8);
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
