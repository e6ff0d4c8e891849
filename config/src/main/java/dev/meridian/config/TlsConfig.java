package dev.meridian.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * TLS on a listener: the data path's ({@code listen.tls}) or the admin API's ({@code admin.tls}).
 * The certificate chain and key are PEM files, checked when the router starts (readable, key
 * matching the certificate, certificate valid now) and watched: when either file changes, the new
 * pair is checked and used for new handshakes, without dropping connections; a broken new pair is
 * refused with a log line and the old one stays.
 *
 * <p>Relative paths are resolved against the working directory of the router process.
 *
 * @param certificate PEM file with the certificate chain, leaf first
 * @param key PEM file with the private key, unencrypted PKCS#8
 * @param clientCa PEM file of CAs whose client certificates are required (mutual TLS); {@code null}: no client certificates
 * @param protocols TLS versions offered, a non-empty subset of {@code TLSv1.2}, {@code TLSv1.3}
 * @param provider which TLS implementation to use
 * @param reloadInterval how often the files are checked for changes (at least 1 s)
 */
public record TlsConfig(
        Path certificate,
        Path key,
        @Nullable Path clientCa,
        List<String> protocols,
        TlsProvider provider,
        Duration reloadInterval) {

    /** The TLS versions Meridian can offer; older ones are broken (RFC 8996). */
    public static final Set<String> SUPPORTED_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    /** Shortest reload interval: the files are hashed on each check. */
    public static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(1);

    public TlsConfig {
        requireNonNull(certificate, "certificate");
        requireNonNull(key, "key");
        protocols = List.copyOf(requireNonNull(protocols, "protocols"));
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("protocols: empty (expected: TLSv1.2 and/or TLSv1.3)");
        }
        for (String p : protocols) {
            if (!SUPPORTED_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("protocols: '" + p + "' (expected: TLSv1.2 or TLSv1.3)");
            }
        }
        requireNonNull(provider, "provider");
        requireNonNull(reloadInterval, "reloadInterval");
        if (reloadInterval.compareTo(MIN_RELOAD_INTERVAL) < 0) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: at least 1s)");
        }
    }

    /** Certificate and key with every default: TLS 1.2 and 1.3, provider auto, no client certificates. */
    public static TlsConfig of(Path certificate, Path key) {
        return new TlsConfig(certificate, key, null, ConfigDefaults.TLS_PROTOCOLS, ConfigDefaults.TLS_PROVIDER,
                ConfigDefaults.TLS_RELOAD_INTERVAL);
    }

    public TlsConfig withReloadInterval(Duration reloadInterval) {
        return new TlsConfig(certificate, key, clientCa, protocols, provider, reloadInterval);
    }
}
