package dev.meridian.regions;

import dev.meridian.config.GeoConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static dev.meridian.regions.GeoIpLocatorTest.ip;
import static dev.meridian.regions.GeoIpLocatorTest.mapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MaxMind's own test databases (from the MaxMind-DB repository, kept beside the project in
 * {@code shared/geoip}) read through {@link GeoIpLocator}; expected values are those of
 * {@code GeoIP2-City-Test.json}. Skipped when that folder is absent.
 */
class GeoIpLocatorMaxMindDataTest {

    private static @Nullable Path geoipDir;

    @BeforeAll
    static void findTestData() {
        geoipDir = locate();
    }

    /** {@code shared/geoip} next to the repository: {@code ../../shared/geoip} from this module, or found upwards. */
    private static @Nullable Path locate() {
        Path module = Path.of("").toAbsolutePath();
        for (Path dir = module; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("geoip");
            if (Files.isRegularFile(candidate.resolve("GeoIP2-City-Test.mmdb"))) {
                return candidate;
            }
        }
        return null;
    }

    private static Path file(String name) {
        assumeTrue(geoipDir != null, "skipped: ../shared/geoip absent");
        return geoipDir.resolve(name);
    }

    private static GeoIpLocator open(String name) {
        return GeoIpLocator.open(GeoConfig.ofDefaults().withDatabase(file(name)));
    }

    @Test
    void cityTestDatabaseAnswersLikeItsJsonSource() {
        try (GeoIpLocator geo = open("GeoIP2-City-Test.mmdb")) {
            // country GB, registered_country FR: the client's country is used
            assertThat(geo.locate(ip("2.125.160.216"))).isEqualTo(geoip(51.75, -1.25, "GB"));
            // country GB, registered_country US; London
            assertThat(geo.locate(ip("81.2.69.142"))).isEqualTo(geoip(51.5142, -0.0931, "GB"));
            assertThat(geo.locate(mapped("81.2.69.142"))).as("IPv4-mapped").isEqualTo(geoip(51.5142, -0.0931, "GB"));
            // country US, registered_country GB
            assertThat(geo.locate(ip("216.160.83.56"))).isEqualTo(geoip(47.2513, -122.3149, "US"));
            assertThat(geo.locate(ip("89.160.20.112"))).isEqualTo(geoip(58.4167, 15.6167, "SE"));
            assertThat(geo.locate(ip("2001:218::1"))).isEqualTo(geoip(35.68536, 139.75309, "JP"));
            assertThat(geo.locate(ip("10.0.0.1"))).as("private address: not in the database").isNull();
            assertThat(geo.stats().failedLookups()).isZero();
            assertThat(geo.stats().databaseBuildEpoch()).isPositive();
        }
    }

    @Test
    void liteCityTestDatabaseOpensToo() {
        try (GeoIpLocator geo = open("GeoLite2-City-Test.mmdb")) {
            assertThat(geo.locate(ip("81.2.69.142"))).extracting(ClientLocation::countryIsoCode).isEqualTo("GB");
        }
    }

    @Test
    void countryAndAsnDatabasesAreNotCityDatabases() {
        Path country = file("GeoLite2-Country-Test.mmdb");
        Path asn = file("GeoLite2-ASN-Test.mmdb");

        assertThat(catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(GeoConfig.ofDefaults().withDatabase(country))))
                .hasMessage("GeoIP database " + country
                        + ": a GeoLite2-Country database, not a City database (expected e.g. GeoLite2-City or GeoIP2-City)");
        assertThat(catchThrowableOfType(GeoDatabaseException.class, () -> GeoIpLocator.open(GeoConfig.ofDefaults().withDatabase(asn))))
                .hasMessage("GeoIP database " + asn
                        + ": a GeoLite2-ASN database, not a City database (expected e.g. GeoLite2-City or GeoIP2-City)");
    }

    private static ClientLocation geoip(double lat, double lon, String country) {
        return new ClientLocation(lat, lon, ClientLocation.Source.GEOIP, country);
    }
}
