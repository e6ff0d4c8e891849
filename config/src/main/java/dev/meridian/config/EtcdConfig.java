package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The etcd cluster that holds a fleet's admin state, and where in it.
 *
 * @param endpoints client URLs of the cluster's members ({@code http://} or {@code https://}, host and
 *     port, no path); the client spreads requests over the members that answer
 * @param prefix every key of this fleet starts with it; one fleet per prefix (for example
 *     {@code /meridian/prod/}); starts and ends with {@code /}
 * @param tls CAs and client certificate for {@code https://} members; {@code null}: the JVM's trust store, no client certificate
 * @param username etcd user (role-based access); {@code null}: no authentication
 * @param password the user's password; given exactly when {@code username} is
 * @param connectTimeout how long connecting to a member may take
 * @param requestTimeout how long one etcd request may take before it counts as failed
 * @param cacheFile where the last applied fleet state is kept, so that an instance can start while etcd is down
 */
public record EtcdConfig(
        List<URI> endpoints,
        String prefix,
        @Nullable EtcdTlsConfig tls,
        @Nullable String username,
        @Nullable String password,
        Duration connectTimeout,
        Duration requestTimeout,
        Path cacheFile) {

    public EtcdConfig {
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: empty (expected: at least one etcd client URL)");
        }
        for (URI endpoint : endpoints) {
            checkEndpoint(endpoint);
        }
        checkPrefix(requireNonNull(prefix, "prefix"));
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("username and password: only one given (expected: both or neither)");
        }
        if (requireNonNull(connectTimeout, "connectTimeout").isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
        }
        if (requireNonNull(requestTimeout, "requestTimeout").isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout: " + requestTimeout + " (expected: > 0)");
        }
        requireNonNull(cacheFile, "cacheFile");
    }

    /**
     * Checks one member URL: {@code http} or {@code https}, a host and a port, nothing else.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkEndpoint(URI endpoint) {
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new IllegalArgumentException("'" + endpoint + "' (expected: an http:// or https:// URL such as http://10.0.0.5:2379)");
        }
        if (endpoint.getHost() == null || endpoint.getPort() < 0) {
            throw new IllegalArgumentException("'" + endpoint + "' (expected: a host and a port, such as http://10.0.0.5:2379)");
        }
        String path = endpoint.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || endpoint.getRawQuery() != null
                || endpoint.getRawFragment() != null || endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + endpoint + "' (expected: scheme, host and port only; no path, query or user)");
        }
    }

    /** Checks a key prefix: starts and ends with {@code /}, printable ASCII, no {@code //}. */
    public static void checkPrefix(String prefix) {
        if (prefix.length() < 1 || !prefix.startsWith("/") || !prefix.endsWith("/") || prefix.contains("//")
                || !prefix.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("'" + prefix + "' (expected: a key prefix that starts and ends with / "
                    + "such as /meridian/prod/, printable characters, no //)");
        }
    }

    /** Whether any member is reached over TLS. */
    public boolean anyTls() {
        return endpoints.stream().anyMatch(e -> "https".equals(e.getScheme()));
    }
}
