package dev.meridian.config;

import dev.meridian.config.syntax.NameRule;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * How the client's location is found. The GeoIP database is optional so that air-gapped
 * installations without one still route (by latency, then by order); trusted proxies and location
 * headers are empty by default so that no client can choose its own address or location.
 *
 * <p>A configured database that cannot be opened stops the start unless {@code required} is
 * false: an operator who configured one expects nearest-region routing, and silently losing it
 * would move traffic across continents.
 *
 * @param database a MaxMind City database, or {@code null} for none
 * @param required whether a {@code database} that cannot be opened at start refuses the start
 *     ({@code false}: log it and run without geo)
 * @param reloadInterval how often the database file is checked for changes (size and modification time); at least 10ms
 * @param cacheSize address-to-location cache entries, 0..100000000; 0 disables the cache
 * @param nodeCacheSize GeoIP2 reader node cache entries, 0..100000000; 0 disables it
 * @param trustedProxies peers whose forwarding headers (and location headers) are believed
 * @param locationHeaders header names carrying {@code "lat,lon"}, believed only from trusted proxies and
 *     tried in order; valid HTTP header names, unique ignoring case, stored as given
 */
public record GeoConfig(
        @Nullable Path database,
        boolean required,
        Duration reloadInterval,
        long cacheSize,
        long nodeCacheSize,
        List<CidrRange> trustedProxies,
        List<String> locationHeaders) {

    /** Shortest reload interval: checking a file more often only burns a thread's time. */
    public static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(10);
    /** Largest cache size; far above any sensible value, it catches typos. */
    public static final long MAX_CACHE_SIZE = 100_000_000;

    public GeoConfig {
        requireNonNull(reloadInterval, "reloadInterval");
        if (reloadInterval.compareTo(MIN_RELOAD_INTERVAL) < 0) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: >= 10ms)");
        }
        checkCacheSize(cacheSize, "cacheSize");
        checkCacheSize(nodeCacheSize, "nodeCacheSize");
        trustedProxies = List.copyOf(requireNonNull(trustedProxies, "trustedProxies"));
        locationHeaders = List.copyOf(requireNonNull(locationHeaders, "locationHeaders"));
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < locationHeaders.size(); i++) {
            String header = locationHeaders.get(i);
            NameRule.HEADER_NAME.check("locationHeaders[" + i + "]", header);
            Integer first = seen.putIfAbsent(header.toLowerCase(Locale.ROOT), i);
            if (first != null) {
                throw new IllegalArgumentException("locationHeaders[" + i + "]: duplicate '" + header
                        + "' (expected: unique header names, ignoring case)");
            }
        }
    }

    /**
     * A configuration with the given database and trusted proxies and every other value from
     * {@link ConfigDefaults}.
     */
    public GeoConfig(@Nullable Path database, List<CidrRange> trustedProxies) {
        this(database, ConfigDefaults.GEO_REQUIRED, ConfigDefaults.GEO_RELOAD_INTERVAL, ConfigDefaults.GEO_CACHE_SIZE,
                ConfigDefaults.GEO_NODE_CACHE_SIZE, trustedProxies, ConfigDefaults.LOCATION_HEADERS);
    }

    /** No database, no trusted proxies, no location headers. */
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

    public GeoConfig withDatabase(@Nullable Path database) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withRequired(boolean required) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withReloadInterval(Duration reloadInterval) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withCacheSize(long cacheSize) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withNodeCacheSize(long nodeCacheSize) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withTrustedProxies(List<CidrRange> trustedProxies) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    public GeoConfig withLocationHeaders(List<String> locationHeaders) {
        return new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders);
    }

    private static void checkCacheSize(long size, String name) {
        Range.check(name, size, 0, MAX_CACHE_SIZE);
    }
}
