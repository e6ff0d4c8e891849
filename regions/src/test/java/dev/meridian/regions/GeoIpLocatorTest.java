package dev.meridian.regions;

import dev.meridian.config.GeoConfig;
import ch.qos.logback.classic.Level;
import dev.meridian.testing.LogCapture;
import dev.meridian.testing.MmdbWriter;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

class GeoIpLocatorTest {

    /** Ashburn, London, Tokyo: the three regions of the example configuration. */
    static final double[] US_EAST4 = {39.04, -77.49};
    static final double[] EUROPE_WEST2 = {51.51, -0.13};
    static final double[] ASIA_NORTHEAST1 = {35.69, 139.69};

    @TempDir
    Path dir;

    /** Documentation ranges (RFC 5737, RFC 3849) placed near the three regions. */
    static MmdbWriter threeRegions() {
        return MmdbWriter.city()
                .add("192.0.2.0/24", US_EAST4[0], US_EAST4[1], "US")
                .add("198.51.100.0/24", EUROPE_WEST2[0], EUROPE_WEST2[1], "GB")
                .add("203.0.113.0/24", ASIA_NORTHEAST1[0], ASIA_NORTHEAST1[1], "JP")
                .add("2001:db8:1::/48", US_EAST4[0], US_EAST4[1], "US")
                .add("2001:db8:2::/48", EUROPE_WEST2[0], EUROPE_WEST2[1], "GB")
                .add("2001:db8:3::/48", ASIA_NORTHEAST1[0], ASIA_NORTHEAST1[1], "JP");
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no DNS
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code ::ffff:a.b.c.d} as an {@link Inet6Address}: {@code InetAddress.getByName} would return an Inet4Address. */
    static InetAddress mapped(String ipv4) {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(ip(ipv4).getAddress(), 0, bytes, 12, 4);
        try {
            return Inet6Address.getByAddress(null, bytes, null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    GeoConfig config(Path database) {
        return GeoConfig.ofDefaults().withDatabase(database).withReloadInterval(Duration.ofMillis(50));
    }

    private static ClientLocation geoip(double[] point, String country) {
        return new ClientLocation(point[0], point[1], ClientLocation.Source.GEOIP, country);
    }

    @Test
    void locatesIpv4Ipv6AndMappedAddressesNearTheirRegions() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.locate(ip("192.0.2.10"))).isEqualTo(geoip(US_EAST4, "US"));
            assertThat(geo.locate(ip("198.51.100.20"))).isEqualTo(geoip(EUROPE_WEST2, "GB"));
            assertThat(geo.locate(ip("203.0.113.30"))).isEqualTo(geoip(ASIA_NORTHEAST1, "JP"));
            assertThat(geo.locate(ip("2001:db8:1::1"))).isEqualTo(geoip(US_EAST4, "US"));
            assertThat(geo.locate(ip("2001:db8:2:ffff::1"))).isEqualTo(geoip(EUROPE_WEST2, "GB"));
            assertThat(geo.locate(ip("2001:db8:3::abcd"))).isEqualTo(geoip(ASIA_NORTHEAST1, "JP"));
            assertThat(mapped("198.51.100.20")).isInstanceOf(Inet6Address.class);
            assertThat(geo.locate(mapped("198.51.100.20"))).as("IPv4-mapped IPv6").isEqualTo(geoip(EUROPE_WEST2, "GB"));
            assertThat(geo.locate(ip("::203.0.113.30"))).as("IPv4-compatible IPv6").isEqualTo(geoip(ASIA_NORTHEAST1, "JP"));
            assertThat(geo.stats().failedLookups()).isZero();
        }
    }

    @Test
    void addressNotInTheDatabaseIsUnknownAndThatIsCachedToo() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.locate(ip("10.1.2.3"))).isNull();
            assertThat(geo.locate(ip("10.1.2.3"))).isNull();
            assertThat(geo.locate(ip("2001:db8:ffff::1"))).isNull();

            GeoCacheStats stats = geo.stats();
            assertThat(stats.lookups()).isEqualTo(3);
            assertThat(stats.addressCacheMisses()).isEqualTo(2);
            assertThat(stats.addressCacheHits()).as("'not found' is cached").isEqualTo(1);
            assertThat(stats.failedLookups()).isZero();
        }
    }

    @Test
    void cacheCountersMoveAsExpected() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            GeoCacheStats start = geo.stats();
            assertThat(start.lookups()).isZero();

            geo.locate(ip("192.0.2.1"));
            GeoCacheStats first = geo.stats();
            assertThat(first.addressCacheMisses()).isEqualTo(1);
            assertThat(first.addressCacheHits()).isZero();
            assertThat(first.nodeCacheMisses()).as("the record was decoded").isGreaterThan(start.nodeCacheMisses());

            geo.locate(ip("192.0.2.1"));
            GeoCacheStats second = geo.stats();
            assertThat(second.addressCacheHits()).isEqualTo(1);
            assertThat(second.addressCacheMisses()).isEqualTo(1);
            assertThat(second.nodeCacheMisses()).as("answered from the address cache").isEqualTo(first.nodeCacheMisses());

            geo.locate(ip("192.0.2.2")); // another address, same record
            GeoCacheStats third = geo.stats();
            assertThat(third.addressCacheMisses()).isEqualTo(2);
            assertThat(third.nodeCacheHits()).as("same record, from the node cache").isGreaterThan(second.nodeCacheHits());
            assertThat(third.nodeCacheMisses()).isEqualTo(first.nodeCacheMisses());
            assertThat(third.lookups()).isEqualTo(3);
        }
    }

    @Test
    void cacheSizeZeroSendsEveryLookupToTheDatabase() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db).withCacheSize(0).withNodeCacheSize(0))) {
            assertThat(geo.locate(ip("192.0.2.1"))).isEqualTo(geoip(US_EAST4, "US"));
            assertThat(geo.locate(ip("192.0.2.1"))).isEqualTo(geoip(US_EAST4, "US"));

            GeoCacheStats stats = geo.stats();
            assertThat(stats.addressCacheHits()).isZero();
            assertThat(stats.addressCacheMisses()).isEqualTo(2);
            assertThat(stats.nodeCacheHits()).isZero();
        }
    }

    @Test
    void countryIsWhereTheClientIsNotWhereTheBlockIsRegistered() {
        Path db = MmdbWriter.city().add(new MmdbWriter.Entry("203.0.113.0/24", 51.51, -0.13, "GB", "US"))
                .writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.locate(ip("203.0.113.1"))).extracting(ClientLocation::countryIsoCode).isEqualTo("GB");
        }
    }

    @Test
    void recordWithoutCountryHasNoCountryCode() {
        Path db = MmdbWriter.city().add("203.0.113.0/24", 51.51, -0.13, null).writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.locate(ip("203.0.113.1"))).isEqualTo(new ClientLocation(51.51, -0.13, ClientLocation.Source.GEOIP, null));
        }
    }

    @Test
    void statsCarryTheDatabaseBuildEpoch() {
        Path db = threeRegions().buildEpoch(1_750_000_000L).writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.stats().databaseBuildEpoch()).isEqualTo(1_750_000_000L);
            assertThat(geo.database()).isEqualTo(db);
        }
    }

    @Test
    void withoutADatabaseTheLocatorIsNone() {
        GeoLocator geo = GeoIpLocator.fromConfig(GeoConfig.ofDefaults());

        assertThat(geo).isSameAs(GeoLocator.NONE);
        assertThat(geo.locate(ip("192.0.2.1"))).isNull();
        assertThat(geo.stats()).isEqualTo(GeoCacheStats.EMPTY);
        geo.close(); // harmless
        assertThat(GeoLocator.NONE.locate(ip("::1"))).isNull();
    }

    @Test
    void fromConfigOpensTheConfiguredDatabase() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        try (GeoLocator geo = GeoIpLocator.fromConfig(config(db))) {
            assertThat(geo).isInstanceOf(GeoIpLocator.class);
            assertThat(geo.locate(ip("198.51.100.1"))).isEqualTo(geoip(EUROPE_WEST2, "GB"));
        }
    }

    @Test
    void missingFileIsRefusedWithItsNameWhenRequired() {
        Path missing = dir.resolve("GeoLite2-City.mmdb");

        GeoDatabaseException e = catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.fromConfig(config(missing)));

        assertThat(e).hasMessage("GeoIP database " + missing + ": the file does not exist");
        assertThat(e.file()).isEqualTo(missing);
        assertThat(e.reason()).isEqualTo("the file does not exist");
    }

    @Test
    void missingFileIsOneWarningAndNoGeoWhenNotRequired() {
        Path missing = dir.resolve("GeoLite2-City.mmdb");

        try (LogCapture log = LogCapture.of(GeoIpLocator.class)) {
            GeoLocator geo = GeoIpLocator.fromConfig(config(missing).withRequired(false));

            assertThat(geo).isSameAs(GeoLocator.NONE);
            assertThat(log.lines(Level.WARN)).containsExactly("WARN GeoIP database " + missing
                    + ": the file does not exist; running without GeoIP locations (geo.required is false)");
        }
    }

    @Test
    void fileThatIsNotAMaxMindDatabaseIsRefused() throws IOException {
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0x5a);
        Path corrupt = Files.write(dir.resolve("corrupt.mmdb"), garbage);

        GeoDatabaseException e = catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(config(corrupt)));

        assertThat(e).hasMessageStartingWith("GeoIP database " + corrupt + ": not a MaxMind DB file (");
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        byte[] whole = threeRegions().toBytes();
        Path truncated = Files.write(dir.resolve("truncated.mmdb"), Arrays.copyOf(whole, whole.length / 2));

        GeoDatabaseException e = catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(config(truncated)));

        assertThat(e).hasMessageStartingWith("GeoIP database " + truncated + ": not a MaxMind DB file (");
    }

    @Test
    void corruptFileIsNoGeoWhenNotRequired() throws IOException {
        Path corrupt = Files.write(dir.resolve("corrupt.mmdb"), new byte[] {1, 2, 3});

        try (LogCapture log = LogCapture.of(GeoIpLocator.class)) {
            assertThat(GeoIpLocator.fromConfig(config(corrupt).withRequired(false))).isSameAs(GeoLocator.NONE);
            assertThat(log.lines(Level.WARN)).singleElement().asString()
                    .startsWith("WARN GeoIP database " + corrupt + ": not a MaxMind DB file (")
                    .endsWith("; running without GeoIP locations (geo.required is false)");
        }
    }

    @Test
    void databaseOfAnotherKindIsRefused() {
        Path country = threeRegions().databaseType("GeoLite2-Country").writeTo(dir.resolve("country.mmdb"));

        GeoDatabaseException e = catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(config(country)));

        assertThat(e).hasMessage("GeoIP database " + country
                + ": a GeoLite2-Country database, not a City database (expected e.g. GeoLite2-City or GeoIP2-City)");
    }

    @Test
    void emptyFileAndDirectoryAreRefused() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.mmdb"));
        Path directory = Files.createDirectory(dir.resolve("GeoIP"));

        assertThat(catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(config(empty))))
                .hasMessage("GeoIP database " + empty + ": the file is empty (expected a MaxMind DB .mmdb file)");
        assertThat(catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(config(directory))))
                .hasMessage("GeoIP database " + directory + ": it is a directory (expected a .mmdb file)");
    }

    @Test
    void reloadRunsOnOneNamedDaemonThreadThatCloseStops() {
        Path db = threeRegions().writeTo(dir.resolve("city.mmdb"));

        GeoIpLocator geo = GeoIpLocator.open(config(db));
        assertThat(reloadThreads()).singleElement().satisfies(t -> assertThat(t.isDaemon()).isTrue());

        geo.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(reloadThreads()).isEmpty());
        assertThat(geo.locate(ip("192.0.2.1"))).as("closed: unknown, no exception").isNull();
        geo.close(); // idempotent
    }

    static List<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(GeoIpLocator.RELOAD_THREAD) && t.isAlive())
                .toList();
    }
}
