package dev.meridian.regions;

import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * Finds where a client address is. The data path calls it once per request whose location no
 * trusted header gave, on an event loop, so implementations answer from memory: no file opening,
 * no locks held while loading, no waiting. (A GeoIP database is memory-mapped; touching a page
 * that is not resident is the one unavoidable I/O, and it is the kernel's, not a blocking call.)
 *
 * <pre>{@code
 * GeoLocator geo = GeoIpLocator.fromConfig(config.geo());   // GeoLocator.NONE without a database
 * ClientLocation where = geo.locate(clientAddress);         // null: unknown
 * }</pre>
 */
public interface GeoLocator extends AutoCloseable {

    /** Knows nothing: every address is unknown. Used when no database is configured. */
    GeoLocator NONE = NoGeoLocator.INSTANCE;

    /**
     * Where {@code address} is; IPv4, IPv6 and IPv4-mapped IPv6 addresses are all accepted.
     * Never throws for an address: a failed lookup is counted and answered "unknown".
     *
     * @return the location with source {@link ClientLocation.Source#GEOIP}, or {@code null} when unknown
     */
    @Nullable ClientLocation locate(InetAddress address);

    /** A snapshot of the counters since creation. */
    GeoCacheStats stats();

    /** Stops background work and releases the database; later lookups answer {@code null}. Idempotent. */
    @Override
    void close();
}
