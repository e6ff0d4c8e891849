package dev.meridian.loadtest.proxy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;

/** A test CA and the PEM files of server certificates it issues for 127.0.0.1, written where the router reads them. */
final class TlsFiles {

    final X509Bundle ca;
    final Path dir;

    private TlsFiles(X509Bundle ca, Path dir) {
        this.ca = ca;
        this.dir = dir;
    }

    static TlsFiles create(Path dir) throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=Meridian Test CA").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        return new TlsFiles(ca, dir);
    }

    /** A server certificate for 127.0.0.1 and localhost, valid from an hour ago for {@code validFor}. */
    X509Bundle server(String commonName, Instant notBefore, Duration validFor) throws Exception {
        return new CertificateBuilder().subject("CN=" + commonName).addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                .notBefore(notBefore).notAfter(notBefore.plus(validFor)).ecp256()
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
    }

    X509Bundle server(String commonName) throws Exception {
        return server(commonName, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(30));
    }

    /** A client certificate issued by the CA (for mutual TLS). */
    X509Bundle client(String commonName) throws Exception {
        return new CertificateBuilder().subject("CN=" + commonName).ecp256()
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                .addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
    }

    /** Writes {@code bundle}'s chain and key to {@code name}.pem and {@code name}-key.pem, each replaced atomically. */
    Path[] write(String name, X509Bundle bundle) throws IOException {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + "-key.pem");
        replace(cert, bundle.getCertificatePathPEM());
        replace(key, bundle.getPrivateKeyPEM());
        return new Path[] {cert, key};
    }

    Path writeCa() throws IOException {
        Path file = dir.resolve("ca.pem");
        replace(file, ca.getCertificatePEM());
        return file;
    }

    /** An SSL context that trusts the test CA (and, with {@code client}, presents that certificate). */
    SSLContext clientContext(X509Bundle client) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(client == null ? null : client.toKeyManagerFactory().getKeyManagers(),
                ca.toTrustManagerFactory().getTrustManagers(), null);
        return context;
    }

    static void replace(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
