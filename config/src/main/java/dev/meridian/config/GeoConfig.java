package dev.meridian.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * How the client's location is found. The GeoIP database is optional so that air-gapped
 * installations without one still route (by latency, then by order); trusted proxies are empty
 * by default so that no client can choose its own address with {@code X-Forwarded-For}.
 *
 * @param database a MaxMind City database, or {@code null} for none
 * @param trustedProxies peers whose forwarding headers are believed
 */
public record GeoConfig(@Nullable Path database, List<CidrRange> trustedProxies) {

    public GeoConfig {
        trustedProxies = List.copyOf(requireNonNull(trustedProxies, "trustedProxies"));
    }

    /** No database, no trusted proxies. */
    public static GeoConfig ofDefaults() {
        return new GeoConfig(null, ConfigDefaults.TRUSTED_PROXIES);
    }

    /** Whether {@code peer} is one of {@link #trustedProxies()}. */
    public boolean isTrustedProxy(InetAddress peer) {
        for (CidrRange range : trustedProxies) {
            if (range.contains(peer)) {
                return true;
            }
        }
        return false;
    }
}
