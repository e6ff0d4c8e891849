package dev.meridian.config;

import java.util.Locale;

/**
 * Which TLS implementation terminates connections. OpenSSL (BoringSSL, from
 * {@code netty-tcnative-boringssl-static}) is several times cheaper per handshake and per byte than
 * the JDK's; {@link #AUTO} takes it when its native library loads on this platform and falls back
 * to the JDK otherwise, so one config works everywhere.
 */
public enum TlsProvider {
    /** OpenSSL when its native library is available, else the JDK. */
    AUTO,
    /** OpenSSL; start-up fails when it is unavailable. */
    OPENSSL,
    /** The JDK's own TLS. */
    JDK;

    /** The spelling used in the config file: {@code auto}, {@code openssl}, {@code jdk}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
