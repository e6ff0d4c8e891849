package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
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

    @AutoClose
    private TlsServer tlsServer;
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
        tlsServer = TlsServer.start(server);
        Path caFile = Files.writeString(directory.resolve("ca.pem"), ca.getCertificatePEM(), US_ASCII);

        LoadResult result = LoadGenerator.run(LoadSpec.openLoop(tlsServer.uri("127.0.0.1"), 200, Duration.ofSeconds(1))
                .withConnections(4)
                .withTls(LoadTls.trusting(caFile)));

        assertThat(result.spec().target().toString()).startsWith("https://127.0.0.1:");
        assertThat(result.requests()).as("200/s for 1 s").isBetween(190L, 210L);
        assertThat(result.errorCount()).isZero();
        assertThat(result.responsesByStatusClass()).containsEntry("2xx", result.requests());
        assertThat(result.bytesReceived()).as("the decrypted body, 2 bytes a response").isEqualTo(2 * result.requests());
        assertThat(tlsServer.requests()).isEqualTo(result.sent());
        assertThat(tlsServer.protocols).as("ALPN on every connection").containsExactly(ApplicationProtocolNames.HTTP_1_1);
        assertThat(tlsServer.serverNames).as("no SNI for an IP address (RFC 6066 section 3)").containsExactly("");
    }

    @Test
    void commandLineWithCaVerifiesTheChainAndTheHostName() throws Exception {
        tlsServer = TlsServer.start(server);
        Path caFile = Files.writeString(directory.resolve("ca.pem"), ca.getCertificatePEM(), US_ASCII);

        int exit = execute("--target", "localhost:" + tlsServer.port(), "--tls", "--ca", caFile.toString(),
                "--closed", "--concurrency", "2", "--duration", "500ms", "--warmup", "0", "--quiet");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains("-> https://localhost:" + tlsServer.port() + ", TLS (trusting " + caFile + ")");
        assertThat(out.toString()).contains("target      https://localhost:" + tlsServer.port()).containsPattern("requests +\\d+ completed");
        assertThat(tlsServer.requests()).isPositive();
        tlsServer.close();

        // Signed by the trusted CA, but for another name: refused by the host name check.
        X509Bundle elsewhere = new CertificateBuilder().subject("CN=elsewhere.test").addSanDnsName("elsewhere.test").ecp256()
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature).addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        tlsServer = TlsServer.start(elsewhere);
        exit = execute("--target", "https://localhost:" + tlsServer.port(), "--ca", caFile.toString(),
                "--closed", "--concurrency", "1", "--duration", "500ms", "--warmup", "0", "--quiet");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("TLS handshake with localhost:" + tlsServer.port() + " failed");
        assertThat(tlsServer.requests()).isZero();
    }

    @Test
    void insecureAcceptsASelfSignedCertificate() throws Exception {
        // Like `openssl req -x509`: a self-signed certificate is its own CA.
        X509Bundle selfSigned = new CertificateBuilder().subject("CN=self").addSanIpAddress("127.0.0.1")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        tlsServer = TlsServer.start(selfSigned);

        int exit = execute("--target", "https://127.0.0.1:" + tlsServer.port(), "--insecure",
                "--rate", "50", "--duration", "1s", "--warmup", "0", "--connections", "2", "--quiet");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("requests    50 completed");
        assertThat(tlsServer.requests()).isEqualTo(50);
    }

    @Test
    void untrustedCertificateFailsTheRunClearly() throws Exception {
        tlsServer = TlsServer.start(server);
        Path wrongCa = Files.writeString(directory.resolve("other-ca.pem"), otherCa.getCertificatePEM(), US_ASCII);
        URI target = tlsServer.uri("127.0.0.1");

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
        assertThat(tlsServer.requests()).as("nothing sent without a trusted handshake").isZero();
    }

    @Test
    void theJvmTrustStoreDoesNotTrustATestCa() {
        tlsServer = TlsServer.start(server);

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

    /**
     * An HTTPS server on 127.0.0.1, port 0, with the JDK's TLS and ALPN offering h2 and http/1.1
     * (so that the client's choice shows); answers every request {@code 200 ok} and records each
     * connection's negotiated protocol and SNI host name ("" for none).
     */
    private static final class TlsServer implements AutoCloseable {
        final Set<String> protocols = ConcurrentHashMap.newKeySet();
        final Set<String> serverNames = ConcurrentHashMap.newKeySet();
        private final AtomicLong requests = new AtomicLong();
        private final EventLoopGroup group;
        private final Channel channel;

        private TlsServer(X509Bundle certificate) throws Exception {
            SslContext context = SslContextBuilder.forServer(certificate.getKeyPair().getPrivate(), certificate.getCertificatePath())
                    .sslProvider(SslProvider.JDK)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tls-server", true), NioIoHandler.newFactory());
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(context.newHandler(ch.alloc()), new HttpServerCodec(), new Answer());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        }

        static TlsServer start(X509Bundle certificate) {
            try {
                return new TlsServer(certificate);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        URI uri(String host) {
            return URI.create("https://" + host + ":" + port());
        }

        long requests() {
            return requests.get();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        private final class Answer extends SimpleChannelInboundHandler<HttpObject> {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof SslHandshakeCompletionEvent completion && completion.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    protocols.add(String.valueOf(ssl.applicationProtocol()));
                    List<SNIServerName> names = ((ExtendedSSLSession) ssl.engine().getSession()).getRequestedServerNames();
                    serverNames.add(names.isEmpty() ? "" : ((SNIHostName) names.get(0)).getAsciiName());
                }
                ctx.fireUserEventTriggered(event);
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof LastHttpContent) {
                    requests.incrementAndGet();
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.copiedBuffer("ok", US_ASCII));
                    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
                    ctx.writeAndFlush(response);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
