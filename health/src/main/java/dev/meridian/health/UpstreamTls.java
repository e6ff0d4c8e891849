package dev.meridian.health;

import dev.meridian.config.UpstreamProtocol;
import dev.meridian.config.UpstreamTlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS towards one region's {@code https://} endpoints, shared by the data path's pools and the
 * active probes so that both trust and name-check the same way.
 *
 * <p>Certificates are verified against the region's CA file (or the JVM's trust store) and the
 * host name is checked (RFC 6125) against {@code server-name} or the endpoint's host, which is also
 * sent as SNI. ALPN offers {@code h2} for HTTP/2 regions and {@code http/1.1} otherwise. OpenSSL
 * (BoringSSL) is used when its native library loads, else the JDK.
 *
 * <pre>{@code
 * UpstreamTls tls = UpstreamTls.create(region.tls(), region.protocol());
 * pipeline.addFirst(tls.newHandler(channel.alloc(), endpoint.uri()));
 * }</pre>
 */
public final class UpstreamTls {

    private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);

    private final SslContext context;
    private final @Nullable String serverName;

    private UpstreamTls(SslContext context, @Nullable String serverName) {
        this.context = context;
        this.serverName = serverName;
    }

    /**
     * Builds the client context; reads the CA file, so call it off the event loops.
     *
     * @throws IllegalArgumentException when the CA file cannot be read or holds no certificate (the message names the file)
     */
    public static UpstreamTls create(UpstreamTlsConfig config, UpstreamProtocol protocol) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .endpointIdentificationAlgorithm(config.verify() ? "HTTPS" : null)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        protocol.isHttp2() ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1));
        Path ca = config.ca();
        if (!config.verify()) {
            log.warn("upstream TLS certificate verification is OFF for a region (tls.verify: false): "
                    + "anyone on the path can impersonate its endpoints");
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (ca != null) {
            try (InputStream in = Files.newInputStream(ca)) {
                builder.trustManager(in);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("upstream CA file " + ca + " does not exist", e);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("upstream CA file " + ca + " cannot be read as PEM certificates: "
                        + e.getMessage(), e);
            }
        }
        try {
            return new UpstreamTls(builder.build(), config.serverName());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up upstream TLS" + (ca != null ? " with CA file " + ca : "")
                    + ": " + e.getMessage(), e);
        }
    }

    /** The client context (for Reactor Netty's {@code secure(spec -> spec.sslContext(...))}). */
    public SslContext context() {
        return context;
    }

    /** The name sent as SNI and verified for {@code endpoint}. */
    public String serverName(URI endpoint) {
        return serverName != null ? serverName : endpoint.getHost();
    }

    /** A handler for a new connection to {@code endpoint}, with SNI and host-name verification set. */
    public SslHandler newHandler(ByteBufAllocator alloc, URI endpoint) {
        return context.newHandler(alloc, serverName(endpoint), endpoint.getPort());
    }

    /**
     * What went wrong in a failed handshake, for an operator: {@code certificate expired},
     * {@code name mismatch}, {@code unknown CA} and the like, followed by the library's own message.
     * Works for the JDK and the OpenSSL engines, which wrap the trust manager's exception differently.
     */
    public static String describeHandshakeFailure(Throwable cause) {
        String kind = null;
        String detail = null;
        String top = null;
        for (Throwable t = cause; t != null && kind == null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (top == null && !message.isEmpty()) {
                top = message;
            }
            detail = message.isEmpty() ? top : message;
            String lower = message.toLowerCase(Locale.ROOT);
            if (t instanceof CertificateExpiredException || lower.contains("certificate_expired")
                    || lower.contains("certificate expired") || lower.contains("notafter")) {
                kind = "certificate expired";
            } else if (t instanceof CertificateNotYetValidException || lower.contains("notbefore")) {
                kind = "certificate not yet valid";
            } else if (lower.contains("no subject alternative") || lower.contains("no name matching")
                    || lower.contains("hostname") && lower.contains("match")) {
                kind = "name mismatch";
            } else if (t instanceof CertPathBuilderException || lower.contains("unable to find valid certification path")
                    || lower.contains("pkix path building failed") || lower.contains("unknown_ca")
                    || lower.contains("unable to get local issuer")) {
                kind = "unknown CA (not signed by a trusted CA; check tls.ca)";
            } else if (t instanceof SslHandshakeTimeoutException) {
                kind = "handshake timed out";
            } else if (lower.contains("not an ssl/tls record") || lower.contains("wrong_version_number")
                    || lower.contains("unrecognized ssl message")) {
                kind = "the endpoint does not speak TLS";
            }
        }
        if (kind == null) {
            return top != null ? top : cause.getClass().getSimpleName();
        }
        return detail == null || detail.equals(kind) ? kind : kind + " (" + detail + ")";
    }

    /** Whether {@code alpn} (the protocol the handshake chose, or {@code null}) is HTTP/2. */
    public static boolean negotiatedHttp2(@Nullable String alpn) {
        return ApplicationProtocolNames.HTTP_2.equals(alpn);
    }
}
