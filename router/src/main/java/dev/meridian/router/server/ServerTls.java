package dev.meridian.router.server;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.TlsConfig;
import dev.meridian.config.TlsProvider;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS termination for one listener (the data path's or the admin API's), with certificate reload.
 *
 * <p>The certificate chain and key are read from PEM files and checked before use: the chain
 * parses, its leaf is valid now, and the key belongs to the leaf (a test signature). A listener
 * with a bad pair does not start, and says why. The files are then checked every
 * {@code reload-interval}; when their content changes, the new pair is checked the same way and,
 * if good, used for every new handshake from then on. Established connections keep the session
 * they have, so a renewal drops nothing. A bad new pair is logged and ignored: the old one stays.
 *
 * <p>ALPN offers {@code h2} (when HTTP/2 is on) and {@code http/1.1}; TLS 1.3 and 1.2 with the
 * AEAD cipher suites RFC 9113 allows (ECDHE with AES-GCM or ChaCha20-Poly1305). OpenSSL
 * (BoringSSL) is used when its native library loads, unless the configuration says {@code jdk}.
 */
public final class ServerTls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    private final TlsConfig config;
    private final String listener;
    private final boolean offerHttp2;
    private final SslProvider provider;
    private final @Nullable ScheduledExecutorService reloader;
    private volatile Loaded current;
    private byte @Nullable [] lastRefused;

    /** A certificate pair in use: its context, the leaf, and the digest of the files it came from. */
    private record Loaded(SslContext context, X509Certificate leaf, byte[] digest) {}

    private ServerTls(TlsConfig config, String listener, boolean offerHttp2, boolean watch) {
        this.config = config;
        this.listener = listener;
        this.offerHttp2 = offerHttp2;
        this.provider = provider(config.provider(), listener);
        this.current = load();
        if (watch) {
            log.info("{}: TLS with {} ({}), certificate '{}' valid until {}, ALPN {}{}", listener, provider,
                    String.join("/", config.protocols()), current.leaf.getSubjectX500Principal().getName(),
                    current.leaf.getNotAfter().toInstant(), offerHttp2 ? "h2, http/1.1" : "http/1.1",
                    config.clientCa() != null ? ", client certificates required" : "");
            this.reloader = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("meridian-tls-reload", true));
            long every = config.reloadInterval().toMillis();
            reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.reloader = null;
        }
    }

    /**
     * Reads and checks the certificate pair and starts watching the files.
     *
     * @param listener what to call the listener in messages, e.g. {@code "listen"} or {@code "admin"}
     * @param offerHttp2 whether ALPN offers {@code h2}
     * @throws IllegalArgumentException when a file is missing or unreadable, the certificate is
     *     expired or not yet valid, or the key does not belong to it (the message says which)
     */
    public static ServerTls start(TlsConfig config, String listener, boolean offerHttp2) {
        requireNonNull(config, "config");
        return new ServerTls(config, listener, offerHttp2, true);
    }

    /** Checks the pair as {@link #start} would, without keeping or watching anything (for {@code meridian validate}). */
    public static void check(TlsConfig config, String listener) {
        new ServerTls(config, listener, false, false).close();
    }

    /** A handler for a new connection, with the certificate in force now. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return current.context.newHandler(alloc);
    }

    /** {@code OPENSSL} or {@code JDK}. */
    public SslProvider provider() {
        return provider;
    }

    /** Checks the files now (the reload thread does this every {@code reload-interval}); returns whether a new pair is in force. */
    synchronized boolean reloadIfChanged() {
        try {
            byte[] digest = currentDigest();
            if (Arrays.equals(digest, current.digest) || Arrays.equals(digest, lastRefused)) {
                return false;
            }
            try {
                Loaded next = load();
                if (Arrays.equals(next.digest, current.digest)) {
                    return false; // changed back before it was read again
                }
                current = next;
                lastRefused = null;
                log.info("{}: new TLS certificate '{}' valid until {} loaded from {}", listener,
                        next.leaf.getSubjectX500Principal().getName(), next.leaf.getNotAfter().toInstant(),
                        config.certificate());
                return true;
            } catch (IllegalArgumentException e) {
                lastRefused = digest;
                log.warn("{}: the changed TLS files were refused, the previous certificate stays in use: {}",
                        listener, e.getMessage());
                return false;
            }
        } catch (IllegalArgumentException e) {
            log.warn("{}: cannot read the TLS files to check for a new certificate: {}", listener, e.getMessage());
            return false;
        } catch (RuntimeException e) {
            log.warn("{}: unexpected error while checking the TLS files", listener, e);
            return false;
        }
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    private Loaded load() {
        // Each file is read once: the checks, the context and the digest all see the same bytes,
        // so a rotation caught half-way cannot pass the checks on one pair and build another.
        Path clientCa = config.clientCa();
        byte[] certificateBytes = read(config.certificate(), "certificate");
        byte[] keyBytes = read(config.key(), "key");
        byte[] caBytes = clientCa == null ? null : read(clientCa, "client-ca");
        byte[] digest = digest(certificateBytes, keyBytes, caBytes);
        List<X509Certificate> chain = certificates(certificateBytes, config.certificate());
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException(listener + ".tls.certificate: " + config.certificate() + " expired on "
                    + leaf.getNotAfter().toInstant() + " (subject '" + leaf.getSubjectX500Principal().getName() + "')", e);
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException(listener + ".tls.certificate: " + config.certificate()
                    + " is not valid before " + leaf.getNotBefore().toInstant() + " (now " + Instant.now() + ")", e);
        }
        PrivateKey key = privateKey(keyBytes);
        checkKeyMatches(leaf, key);
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(config.protocols())
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(offerHttp2
                        ? new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                        : new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_1_1));
        if (clientCa != null && caBytes != null) {
            List<X509Certificate> authorities = certificates(caBytes, clientCa);
            builder.trustManager(authorities.toArray(new X509Certificate[0])).clientAuth(ClientAuth.REQUIRE);
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(listener + ".tls: cannot use " + config.certificate() + " and "
                    + config.key() + ": " + rootMessage(e), e);
        }
        return new Loaded(context, leaf, digest);
    }

    /** The unencrypted PKCS#8 key. */
    private PrivateKey privateKey(byte[] keyBytes) {
        String pem = new String(keyBytes, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(listener + ".tls.key: " + config.key()
                    + " holds no unencrypted PKCS#8 key (expected '-----BEGIN PRIVATE KEY-----'; convert with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8')");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(listener + ".tls.key: " + config.key()
                + " is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    private void checkKeyMatches(X509Certificate leaf, PrivateKey key) {
        PublicKey publicKey = leaf.getPublicKey();
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        boolean matches;
        try {
            byte[] probe = "meridian key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException(listener + ".tls.key: " + config.key()
                    + " does not belong to the certificate in " + config.certificate() + " (subject '"
                    + leaf.getSubjectX500Principal().getName() + "')");
        }
    }

    private List<X509Certificate> certificates(byte[] pem, Path file) {
        Collection<? extends Certificate> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(listener + ".tls: " + file + " cannot be read as PEM certificates: "
                    + rootMessage(e), e);
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : parsed) {
            if (c instanceof X509Certificate) {
                out.add((X509Certificate) c);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(listener + ".tls: " + file + " holds no certificate (expected PEM "
                    + "'-----BEGIN CERTIFICATE-----' blocks)");
        }
        return out;
    }

    private byte[] read(Path file, String key) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(listener + ".tls." + key + ": " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(listener + ".tls." + key + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] digest(byte[]... contents) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] content : contents) {
                if (content != null) {
                    sha.update(content);
                }
            }
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The digest of the files as they are now (certificate, key and client CA). */
    private byte[] currentDigest() {
        Path clientCa = config.clientCa();
        return digest(read(config.certificate(), "certificate"), read(config.key(), "key"),
                clientCa == null ? null : read(clientCa, "client-ca"));
    }

    private static SslProvider provider(TlsProvider configured, String listener) {
        switch (configured) {
            case JDK:
                return SslProvider.JDK;
            case OPENSSL:
                if (!OpenSsl.isAvailable()) {
                    Throwable cause = OpenSsl.unavailabilityCause();
                    throw new IllegalArgumentException(listener + ".tls.provider: openssl is not available on this "
                            + "platform (" + (cause == null ? "unknown reason" : cause.getMessage())
                            + "); use 'auto' or 'jdk'", cause);
                }
                return SslProvider.OPENSSL;
            case AUTO:
            default:
                return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message;
    }
}
