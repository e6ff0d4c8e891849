package dev.meridian.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * TLS to the etcd members ({@code https://} endpoints).
 *
 * @param ca PEM file of the CAs that signed the members' certificates; {@code null}: the JVM's trust store
 * @param certificate PEM client certificate chain, for members that require client certificates; with {@code key}
 * @param key PEM PKCS#8 private key of {@code certificate}
 */
public record EtcdTlsConfig(@Nullable Path ca, @Nullable Path certificate, @Nullable Path key) {

    public EtcdTlsConfig {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("certificate and key: only one given (expected: both or neither)");
        }
    }
}
