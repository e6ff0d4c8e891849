package dev.meridian.loadtest.load;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS from the load generator to an {@code https://} target: whom to trust. TLS 1.3 and 1.2, ALPN
 * offering {@code http/1.1} only (the generator speaks HTTP/1.1), SNI from the target's host when
 * it is a name (not for an IP address, as RFC 6066 says). OpenSSL (BoringSSL from netty-tcnative)
 * when its native library loads, so that the client's handshakes and record encryption cost what
 * they cost in other tools; the JDK's TLS otherwise.
 *
 * @param ca       PEM file of the CAs to trust instead of the JVM's trust store; null for the trust store
 * @param insecure accept any certificate, checking neither the chain nor the name (self-signed targets)
 */
public record LoadTls(@Nullable Path ca, boolean insecure) {

    /** The protocols offered. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** Exactly one way to trust: a CA file, or {@code insecure}, or neither (the JVM's trust store). */
    public LoadTls {
        if (ca != null && insecure) {
            throw new IllegalArgumentException("tls: a CA file and insecure (expected: one or the other)");
        }
    }

    /** Verifies the target's certificate (chain and host name) against the JVM's trust store. */
    public static LoadTls systemTrust() {
        return new LoadTls(null, false);
    }

    /** Verifies the target's certificate (chain and host name) against the CAs in {@code caFile} (PEM). */
    public static LoadTls trusting(Path caFile) {
        return new LoadTls(caFile, false);
    }

    /** Accepts any certificate: for self-signed benchmark targets only. */
    public static LoadTls trustingAnything() {
        return new LoadTls(null, true);
    }

    /** {@code OPENSSL} when netty-tcnative loads (with ALPN), else {@code JDK}. */
    static SslProvider provider() {
        return OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * The client context for a run; built once, off the event loops.
     *
     * @throws IllegalArgumentException when the CA file is missing or holds no certificate
     */
    SslContext newClientContext() {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider())
                .protocols(PROTOCOLS)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1));
        if (insecure) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.endpointIdentificationAlgorithm("HTTPS");
            if (ca != null) {
                if (!Files.isReadable(ca)) {
                    throw new IllegalArgumentException("tls: CA file " + ca + ": no such readable file");
                }
                builder.trustManager(ca.toFile());
            }
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: " + (ca != null ? "CA file " + ca + ": " : "") + e.getMessage(), e);
        }
    }

    /** {@code TLS (CA file ca.pem)}, {@code TLS (any certificate)} or {@code TLS (JVM trust store)}. */
    String describe() {
        return "TLS (" + (insecure ? "any certificate accepted" : ca != null ? "trusting " + ca : "JVM trust store") + ")";
    }
}
