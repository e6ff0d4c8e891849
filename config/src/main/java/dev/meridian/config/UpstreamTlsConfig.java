package dev.meridian.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * How Meridian checks a region's {@code https://} endpoints. Certificates are verified by default
 * (chain and host name); SNI carries the endpoint's host name, or {@code serverName} when given
 * (endpoints listed by IP address behind a certificate for a name).
 *
 * @param ca PEM file of the CAs to trust; {@code null}: the JVM's default trust store
 * @param serverName the name sent as SNI and checked against the certificate; {@code null}: the endpoint's host
 * @param verify whether to verify the certificate at all; {@code false} only for tests and labs (logged loudly)
 */
public record UpstreamTlsConfig(@Nullable Path ca, @Nullable String serverName, boolean verify) {

    public UpstreamTlsConfig {
        if (serverName != null && (serverName.isEmpty() || !serverName.matches("[A-Za-z0-9.-]{1,253}"))) {
            throw new IllegalArgumentException("serverName: '" + serverName + "' (expected: a DNS host name)");
        }
    }

    /** Verify against the JVM's trust store, SNI from each endpoint's host. */
    public static UpstreamTlsConfig ofDefaults() {
        return new UpstreamTlsConfig(null, null, true);
    }
}
