package dev.meridian.config;

import dev.meridian.config.syntax.EndpointUri;
import dev.meridian.config.syntax.NameRule;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * A region as configured: its gateway replicas, where it is, and its share of traffic. The run-time
 * view (health, drains made through the admin API) lives in the {@code regions} module.
 *
 * <p>Endpoints are normalised to {@code scheme://host:port} (lowercase, explicit port, no
 * trailing slash), so {@code http://GW:80/} and {@code http://gw} are the same endpoint.
 *
 * @param name unique name, {@code [a-z0-9][a-z0-9-]{0,62}}; a metric label and header value
 * @param location where the region is, or {@code null} to rank it by measured latency
 * @param weight {@value #MIN_WEIGHT}..{@value #MAX_WEIGHT}; 0 drains the region
 * @param endpoints at least one {@code http(s)://host:port} URL, no duplicates
 * @param protocol the HTTP version the endpoints speak; {@code h2c} needs {@code http://} endpoints, {@code h2} {@code https://} ones
 * @param tls how {@code https://} endpoints are verified; {@code null} when every endpoint is {@code http://}
 * @param probe how the endpoints are probed; {@code grpc} needs an HTTP/2 protocol
 * @param grpcHealthService the service name asked of the gRPC health service ({@code ""}: the whole server)
 */
public record RegionConfig(
        String name,
        @Nullable GeoPoint location,
        int weight,
        List<URI> endpoints,
        UpstreamProtocol protocol,
        @Nullable UpstreamTlsConfig tls,
        ProbeKind probe,
        String grpcHealthService) {

    /** Weight that drains a region. */
    public static final int MIN_WEIGHT = 0;
    /** Largest weight; also the bound the admin API enforces. */
    public static final int MAX_WEIGHT = 1000;

    public RegionConfig {
        requireNonNull(name, "name");
        NameRule.NAME.check("name", name);
        checkWeight(weight);
        requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: empty (expected: at least one http(s) URL)");
        }
        List<URI> normalized = new ArrayList<>(endpoints.size());
        Set<URI> seen = new HashSet<>();
        for (int i = 0; i < endpoints.size(); i++) {
            URI uri;
            try {
                uri = EndpointUri.normalize(requireNonNull(endpoints.get(i), "endpoints[" + i + "]"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("endpoints[" + i + "]: " + e.getMessage(), e);
            }
            if (!seen.add(uri)) {
                throw new IllegalArgumentException("endpoints[" + i + "]: duplicate '" + uri + "' (expected: unique endpoints)");
            }
            normalized.add(uri);
        }
        endpoints = List.copyOf(normalized);
        requireNonNull(protocol, "protocol");
        requireNonNull(probe, "probe");
        requireNonNull(grpcHealthService, "grpcHealthService");
        boolean anyTls = false;
        for (URI uri : endpoints) {
            boolean secure = "https".equals(uri.getScheme());
            anyTls |= secure;
            if (protocol == UpstreamProtocol.H2 && !secure) {
                throw new IllegalArgumentException("protocol: h2 needs https:// endpoints, '" + uri
                        + "' is http:// (expected: https endpoints, or protocol h2c for cleartext HTTP/2)");
            }
            if (protocol == UpstreamProtocol.H2C && secure) {
                throw new IllegalArgumentException("protocol: h2c is cleartext HTTP/2, '" + uri
                        + "' is https:// (expected: http endpoints, or protocol h2 for HTTP/2 over TLS)");
            }
        }
        if (tls == null && anyTls) {
            tls = UpstreamTlsConfig.ofDefaults();
        }
        if (probe == ProbeKind.GRPC && !protocol.isHttp2()) {
            throw new IllegalArgumentException("probe: grpc needs an HTTP/2 region (expected: protocol h2c or h2)");
        }
    }

    /** An HTTP/1.1 region probed over HTTP. */
    public RegionConfig(String name, @Nullable GeoPoint location, int weight, List<URI> endpoints) {
        this(name, location, weight, endpoints, ConfigDefaults.REGION_PROTOCOL, null, ConfigDefaults.REGION_PROBE,
                ConfigDefaults.REGION_GRPC_HEALTH_SERVICE);
    }

    /** A region with the default weight and no location. */
    public static RegionConfig of(String name, URI... endpoints) {
        return new RegionConfig(name, null, ConfigDefaults.REGION_WEIGHT, List.of(endpoints));
    }

    /** The same region with another weight (what the admin API changes at run time). */
    public RegionConfig withWeight(int weight) {
        return new RegionConfig(name, location, weight, endpoints, protocol, tls, probe, grpcHealthService);
    }

    public RegionConfig withTls(@Nullable UpstreamTlsConfig tls) {
        return new RegionConfig(name, location, weight, endpoints, protocol, tls, probe, grpcHealthService);
    }

    /**
     * Checks a weight.
     *
     * @throws IllegalArgumentException {@code "weight: -3 (expected: 0..1000)"}
     */
    public static int checkWeight(int weight) {
        Range.check("weight", weight, MIN_WEIGHT, MAX_WEIGHT);
        return weight;
    }
}
