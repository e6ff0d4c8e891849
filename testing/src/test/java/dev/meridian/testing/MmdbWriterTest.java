package dev.meridian.testing;

import com.maxmind.db.Metadata;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The files {@link MmdbWriter} writes are read by MaxMind's own reader exactly as intended. */
class MmdbWriterTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "record size {0}")
    @ValueSource(ints = {24, 28, 32})
    void maxMindReaderReadsEveryRecordSize(int recordSize) throws Exception {
        Path file = MmdbWriter.city().recordSize(recordSize).buildEpoch(1_700_000_000L)
                .add("192.0.2.0/24", 39.04, -77.49, "US")
                .add("192.0.2.128/25", 51.51, -0.13, "GB")
                .add("2001:db8:3::/48", 35.69, 139.69, "JP")
                .writeTo(dir.resolve("city-" + recordSize + ".mmdb"));

        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            Metadata metadata = reader.metadata();
            assertThat(metadata.databaseType()).isEqualTo("GeoLite2-City");
            assertThat(metadata.recordSize()).isEqualTo(recordSize);
            assertThat(metadata.ipVersion()).isEqualTo(6);
            assertThat(metadata.buildEpoch()).isEqualTo(BigInteger.valueOf(1_700_000_000L));
            assertThat(metadata.languages()).containsExactly("en");
            assertThat(metadata.description()).containsKey("en");

            assertThat(city(reader, "192.0.2.1")).hasValueSatisfying(c -> {
                assertThat(c.country().isoCode()).isEqualTo("US");
                assertThat(c.location().latitude()).isEqualTo(39.04);
                assertThat(c.location().longitude()).isEqualTo(-77.49);
                assertThat(c.location().accuracyRadius()).isEqualTo(100);
            });
            assertThat(city(reader, "192.0.2.200")).as("the more specific network wins")
                    .hasValueSatisfying(c -> assertThat(c.country().isoCode()).isEqualTo("GB"));
            assertThat(city(reader, "2001:db8:3:1::5")).hasValueSatisfying(c -> assertThat(c.country().isoCode()).isEqualTo("JP"));
            assertThat(city(reader, "192.0.3.1")).isEmpty();
            assertThat(city(reader, "2001:db8:4::1")).isEmpty();
        }
    }

    @Test
    void ipv4IsReachableUnderTheMappedAndSixToFourPrefixesToo() throws Exception {
        Path file = MmdbWriter.city().add("198.51.100.0/24", 51.51, -0.13, "GB").writeTo(dir.resolve("city.mmdb"));

        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            // ::ffff:198.51.100.7 as an Inet6Address (InetAddress.getByName would turn it into an Inet4Address).
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(InetAddress.getByName("198.51.100.7").getAddress(), 0, mapped, 12, 4);
            assertThat(reader.tryCity(Inet6Address.getByAddress(null, mapped, null)))
                    .hasValueSatisfying(c -> assertThat(c.country().isoCode()).isEqualTo("GB"));
            assertThat(city(reader, "::198.51.100.7")).hasValueSatisfying(c -> assertThat(c.country().isoCode()).isEqualTo("GB"));
            assertThat(city(reader, "2002:c633:6407::1")).as("6to4 of 198.51.100.7")
                    .hasValueSatisfying(c -> assertThat(c.country().isoCode()).isEqualTo("GB"));
        }
    }

    @Test
    void registeredCountryIsWrittenSeparately() throws Exception {
        Path file = MmdbWriter.city().add(new MmdbWriter.Entry("203.0.113.0/24", 35.69, 139.69, "JP", "US"))
                .writeTo(dir.resolve("city.mmdb"));

        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            assertThat(city(reader, "203.0.113.9")).hasValueSatisfying(c -> {
                assertThat(c.country().isoCode()).isEqualTo("JP");
                assertThat(c.registeredCountry().isoCode()).isEqualTo("US");
            });
        }
    }

    @Test
    void largeDataSectionsUseLongerPointers() throws Exception {
        MmdbWriter writer = MmdbWriter.city();
        for (int i = 0; i < 500; i++) { // each with its own location and country: well over 2048 bytes of data
            writer.add("10." + (i / 256) + "." + (i % 256) + ".0/24", -60 + i * 0.2, -170 + i * 0.5, "C" + i);
        }
        Path file = writer.writeTo(dir.resolve("large.mmdb"));

        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            for (int i = 0; i < 500; i += 7) {
                int n = i;
                assertThat(city(reader, "10." + (i / 256) + "." + (i % 256) + ".9")).hasValueSatisfying(c -> {
                    assertThat(c.country().isoCode()).isEqualTo("C" + n);
                    assertThat(c.location().longitude()).isEqualTo(-170 + n * 0.5);
                });
            }
        }
    }

    @Test
    void badInputIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> MmdbWriter.city().add("example.com/24", 0, 0, null).toBytes())
                .withMessage("cidr: 'example.com/24' (expected e.g. 192.0.2.0/24 or 2001:db8::/32)");
        assertThatIllegalArgumentException().isThrownBy(() -> MmdbWriter.city().add("192.0.2.0/33", 0, 0, null).toBytes())
                .withMessage("cidr: '192.0.2.0/33' prefix length 33 (expected: 1..32)");
        assertThatIllegalArgumentException().isThrownBy(() -> MmdbWriter.city().recordSize(16))
                .withMessage("recordSize: 16 (expected: 24, 28 or 32)");
        assertThatIllegalArgumentException().isThrownBy(() -> MmdbWriter.city().add("::/64", 0, 0, null).toBytes())
                .withMessageContaining("::/96");
    }

    private static Optional<CityResponse> city(DatabaseReader reader, String literal) throws IOException, GeoIp2Exception {
        return reader.tryCity(InetAddress.getByName(literal));
    }
}
