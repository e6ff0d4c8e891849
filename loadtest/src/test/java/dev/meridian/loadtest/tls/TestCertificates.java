package dev.meridian.loadtest.tls;

import static java.util.Objects.requireNonNull;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test PKI as PEM files, for servers under test (the simulated gateway, the router's TLS listener)
 * and the clients that must trust them: a root CA, a CA-signed server certificate for
 * {@code 127.0.0.1} and {@code localhost}, an expired one, and a private key that matches neither.
 * Made with Netty's {@link CertificateBuilder} (EC P-256, fast to generate); keys are unencrypted
 * PKCS#8, certificate files hold the chain leaf first.
 *
 * <pre>{@code
 * @TempDir static Path dir;
 * TestCertificates certs = TestCertificates.writeTo(dir);
 * SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("tls")
 *         .withTls(certs.serverCertificate(), certs.serverKey()));
 * HttpClient client = HttpClient.newBuilder().sslContext(certs.clientSslContext()).build();
 * }</pre>
 *
 * <p>Generating takes tens of milliseconds; create one set per test class. Immutable.
 */
public final class TestCertificates {

    /** The hosts every server certificate names (subject alternative names). */
    public static final String IP = "127.0.0.1";
    public static final String HOST = "localhost";

    private final X509Bundle ca;
    private final Path caCertificate;
    private final Path serverCertificate;
    private final Path serverKey;
    private final Path expiredCertificate;
    private final Path expiredKey;
    private final Path mismatchedKey;

    private TestCertificates(X509Bundle ca, Path directory, X509Bundle server, X509Bundle expired, X509Bundle stranger) {
        this.ca = ca;
        this.caCertificate = write(directory.resolve("ca.pem"), ca.getCertificatePEM());
        this.serverCertificate = write(directory.resolve("server.pem"), server.getCertificatePathPEM());
        this.serverKey = write(directory.resolve("server-key.pem"), server.getPrivateKeyPEM());
        this.expiredCertificate = write(directory.resolve("expired.pem"), expired.getCertificatePathPEM());
        this.expiredKey = write(directory.resolve("expired-key.pem"), expired.getPrivateKeyPEM());
        this.mismatchedKey = write(directory.resolve("mismatched-key.pem"), stranger.getPrivateKeyPEM());
    }

    /**
     * Generates a fresh CA and certificates and writes them into {@code directory} (a JUnit
     * {@code @TempDir}, which cleans up): {@code ca.pem}, {@code server.pem}, {@code server-key.pem},
     * {@code expired.pem}, {@code expired-key.pem}, {@code mismatched-key.pem}.
     */
    public static TestCertificates writeTo(Path directory) {
        requireNonNull(directory, "directory");
        Instant now = Instant.now();
        try {
            X509Bundle ca = new CertificateBuilder()
                    .subject("CN=Meridian Test CA")
                    .setIsCertificateAuthority(true)
                    .notBefore(now.minus(Duration.ofDays(1)))
                    .notAfter(now.plus(Duration.ofDays(30)))
                    .ecp256()
                    .buildSelfSigned();
            CertificateBuilder server = new CertificateBuilder()
                    .subject("CN=" + HOST)
                    .addSanIpAddress(IP)
                    .addSanDnsName(HOST)
                    .addExtendedKeyUsageServerAuth()
                    .ecp256();
            X509Bundle valid = server.copy()
                    .notBefore(now.minus(Duration.ofDays(1)))
                    .notAfter(now.plus(Duration.ofDays(30)))
                    .buildIssuedBy(ca);
            X509Bundle expired = server.copy()
                    .notBefore(now.minus(Duration.ofDays(30)))
                    .notAfter(now.minus(Duration.ofDays(1)))
                    .buildIssuedBy(ca);
            X509Bundle stranger = server.copy()
                    .notBefore(now.minus(Duration.ofDays(1)))
                    .notAfter(now.plus(Duration.ofDays(30)))
                    .buildIssuedBy(ca);
            return new TestCertificates(ca, directory, valid, expired, stranger);
        } catch (Exception e) {
            throw new IllegalStateException("could not generate test certificates", e);
        }
    }

    /** The root CA certificate (PEM): what a client trusts. */
    public Path caCertificate() {
        return caCertificate;
    }

    /** The valid server certificate chain (PEM, leaf first), for 127.0.0.1 and localhost. */
    public Path serverCertificate() {
        return serverCertificate;
    }

    /** The private key of {@link #serverCertificate()} (PKCS#8 PEM). */
    public Path serverKey() {
        return serverKey;
    }

    /** A server certificate chain signed by the same CA that expired a day ago. */
    public Path expiredCertificate() {
        return expiredCertificate;
    }

    /** The private key of {@link #expiredCertificate()}. */
    public Path expiredKey() {
        return expiredKey;
    }

    /** A well-formed private key that belongs to neither certificate (a key/certificate mix-up). */
    public Path mismatchedKey() {
        return mismatchedKey;
    }

    /** Trust in the test CA only, for clients that take a {@link TrustManagerFactory}. */
    public TrustManagerFactory trustManagerFactory() {
        return ca.toTrustManagerFactory();
    }

    /** A TLS client context trusting the test CA only (e.g. for {@code java.net.http.HttpClient}). */
    public SSLContext clientSslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagerFactory().getTrustManagers(), null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("could not build a client SSLContext", e);
        }
    }

    private static Path write(Path file, String pem) {
        try {
            return Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
