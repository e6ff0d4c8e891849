package dev.meridian.regions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.maxmind.db.InvalidDatabaseException;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader.FileMode;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.record.Country;
import com.maxmind.geoip2.record.Location;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * One opened GeoIP City database and the address cache in front of it: the immutable snapshot
 * that {@link GeoIpLocator} swaps as a whole when the file changes, so that a lookup never mixes a
 * new reader with answers cached from the old one.
 */
final class GeoDatabase implements AutoCloseable {

    /** Addresses looked up once after opening: a file whose tree or data is broken fails here, not on an event loop. */
    private static final List<InetAddress> PROBES = List.of(
            literal(1, 1, 1, 1),
            literal(8, 8, 8, 8),
            literal(81, 2, 69, 142),
            literal(0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x88));

    final Path file;
    final FileStamp stamp;
    final DatabaseReader reader;
    final @Nullable Cache<InetAddress, Optional<ClientLocation>> addresses;
    final String databaseType;
    final long buildEpoch;

    private GeoDatabase(Path file, FileStamp stamp, DatabaseReader reader, long cacheSize) {
        this.file = file;
        this.stamp = stamp;
        this.reader = reader;
        this.addresses = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(cacheSize).build();
        Metadata metadata = reader.metadata();
        this.databaseType = metadata.databaseType();
        this.buildEpoch = Math.max(0, metadata.buildEpoch().min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
    }

    /**
     * Opens {@code file} memory-mapped with a fresh node cache, checks that it is a City database
     * and that it answers lookups. Blocking: never call it on an event loop.
     *
     * @throws GeoDatabaseException naming the file and what is wrong with it
     */
    static GeoDatabase open(Path file, long cacheSize, long nodeCacheSize, LongAdder nodeHits, LongAdder nodeMisses) {
        requireNonNull(file, "file");
        // The stamp is read before the file is opened: if the file changes in between, the next
        // check sees a newer stamp and loads it again, rather than never noticing.
        if (Files.isDirectory(file)) {
            throw new GeoDatabaseException(file, "it is a directory (expected a .mmdb file)");
        }
        FileStamp stamp = FileStamp.read(file);
        if (stamp == null) {
            throw new GeoDatabaseException(file, "the file does not exist");
        }
        if (!Files.isReadable(file)) {
            throw new GeoDatabaseException(file, "the file cannot be read (permission denied)");
        }
        if (stamp.size() == 0) {
            throw new GeoDatabaseException(file, "the file is empty (expected a MaxMind DB .mmdb file)");
        }
        DatabaseReader reader;
        try {
            reader = new DatabaseReader.Builder(file.toFile())
                    .fileMode(FileMode.MEMORY_MAPPED)
                    .withCache(new CaffeineNodeCache(nodeCacheSize, nodeHits, nodeMisses))
                    .build();
        } catch (InvalidDatabaseException e) {
            throw new GeoDatabaseException(file, "not a MaxMind DB file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new GeoDatabaseException(file, "the file cannot be read (" + e + ")", e);
        } catch (RuntimeException e) { // the reader refuses an unknown database_type, or metadata it cannot decode
            throw new GeoDatabaseException(file, "not a usable MaxMind DB file (" + e.getMessage() + ")", e);
        }
        try {
            String type = reader.metadata().databaseType();
            if (!type.contains("City") && !type.contains("Enterprise")) {
                throw new GeoDatabaseException(file, "a " + type
                        + " database, not a City database (expected e.g. GeoLite2-City or GeoIP2-City)");
            }
            for (InetAddress probe : PROBES) {
                try {
                    reader.tryCity(probe).ifPresent(GeoDatabase::toLocation);
                } catch (IOException | GeoIp2Exception | RuntimeException e) {
                    throw new GeoDatabaseException(file, "the file is corrupt: looking up " + probe.getHostAddress()
                            + " failed (" + e.getMessage() + ")", e);
                }
            }
            return new GeoDatabase(file, stamp, reader, cacheSize);
        } catch (RuntimeException e) { // GeoDatabaseException included
            closeQuietly(reader);
            throw e;
        }
    }

    /**
     * Looks {@code address} up in the file, without the address cache.
     *
     * @return the location, or empty when the database has none for the address
     */
    Optional<ClientLocation> find(InetAddress address) throws IOException, GeoIp2Exception {
        Optional<CityResponse> response = reader.tryCity(address);
        return response.isPresent() ? Optional.ofNullable(toLocation(response.get())) : Optional.empty();
    }

    /**
     * The response's {@code location} and {@code country}. Never {@code registered_country}: that is
     * where the address block is registered (a multinational's whole range may be registered in one
     * country), not where the client is.
     */
    static @Nullable ClientLocation toLocation(CityResponse response) {
        Location location = response.location();
        if (location == null || location.latitude() == null || location.longitude() == null) {
            return null;
        }
        double lat = location.latitude();
        double lon = location.longitude();
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
            return null;
        }
        Country country = response.country();
        return new ClientLocation(lat, lon, ClientLocation.Source.GEOIP, country == null ? null : country.isoCode());
    }

    @Override
    public void close() {
        closeQuietly(reader);
        if (addresses != null) {
            addresses.invalidateAll();
        }
    }

    @Override
    public String toString() {
        return file + " (" + databaseType + ", built " + Instant.ofEpochSecond(buildEpoch) + ")";
    }

    private static void closeQuietly(DatabaseReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            // Closing a memory-mapped reader only drops the mapping; there is nothing to recover.
        }
    }

    private static InetAddress literal(int... octets) {
        byte[] bytes = new byte[octets.length];
        for (int i = 0; i < octets.length; i++) {
            bytes[i] = (byte) octets[i];
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 4 or 16 bytes: cannot happen
        }
    }

    /**
     * What identifies a version of the file: size, modification time and, where the file system has
     * one, the file key (device and inode), which changes when the file is replaced by a rename even
     * within one timestamp tick.
     */
    record FileStamp(long size, FileTime modified, @Nullable Object fileKey) {

        /** The file's stamp, or {@code null} when it does not exist or cannot be inspected. */
        static @Nullable FileStamp read(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                if (attributes.isDirectory()) {
                    return null;
                }
                return new FileStamp(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
            } catch (IOException e) { // NoSuchFileException, or an unreadable directory on the way
                return null;
            }
        }
    }
}
