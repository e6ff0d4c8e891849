package dev.meridian.router.upstream;

import dev.meridian.config.RegionConfig;
import dev.meridian.config.UpstreamProtocol;
import dev.meridian.config.UpstreamTlsConfig;
import dev.meridian.health.UpstreamTls;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How each region's endpoints are spoken to: the HTTP version and, for {@code https://}
 * endpoints, the TLS client context. Built once per configuration, off the event loops (reading
 * a CA file is file I/O), and published with the {@link dev.meridian.router.exchange.RouterSnapshot}; pools read it when they
 * are created, never per connection or request. Regions with the same TLS settings and protocol
 * share one context.
 */
public final class UpstreamTargets {

    /** One region's protocol and TLS context ({@code null} when every endpoint is {@code http://}). */
    record Target(UpstreamProtocol protocol, @Nullable UpstreamTls tls) {}

    private final Map<String, Target> byRegion;

    private UpstreamTargets(Map<String, Target> byRegion) {
        this.byRegion = Map.copyOf(byRegion);
    }

    /**
     * The targets of {@code regions}.
     *
     * @throws IllegalArgumentException when a region's TLS settings cannot be used (the message
     *     names the region and, for a CA file, the file)
     */
    public static UpstreamTargets of(List<RegionConfig> regions) {
        Map<String, Target> byRegion = new HashMap<>();
        Map<List<Object>, UpstreamTls> contexts = new HashMap<>();
        for (RegionConfig region : regions) {
            UpstreamTlsConfig tlsConfig = region.tls();
            UpstreamTls tls = null;
            if (tlsConfig != null) {
                List<Object> key = List.of(tlsConfig, region.protocol().isHttp2());
                tls = contexts.get(key);
                if (tls == null) {
                    try {
                        tls = UpstreamTls.create(tlsConfig, region.protocol());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("region " + region.name() + ": " + e.getMessage(), e);
                    }
                    contexts.put(key, tls);
                }
            }
            byRegion.put(region.name(), new Target(region.protocol(), tls));
        }
        return new UpstreamTargets(byRegion);
    }

    /** The target of the region named {@code region}, or {@code null} when it is not configured. */
    @Nullable Target target(String region) {
        return byRegion.get(region);
    }
}
