package dev.meridian.regions;

import dev.meridian.config.GeoPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class ClientLocationTest {

    @Test
    void headerWithTwoDecimalNumbersIsALocationFromTheHeader() {
        assertThat(ClientLocation.parseHeader("51.51,-0.13"))
                .isEqualTo(new ClientLocation(51.51, -0.13, ClientLocation.Source.HEADER, null));
        assertThat(ClientLocation.parseHeader("-33,151")).isEqualTo(new ClientLocation(-33, 151, ClientLocation.Source.HEADER, null));
        assertThat(ClientLocation.parseHeader("+35.6895,+139.69171")).isEqualTo(
                new ClientLocation(35.6895, 139.69171, ClientLocation.Source.HEADER, null));
    }

    @Test
    void spacesAndTabsAroundTheNumbersAreAllowed() {
        ClientLocation expected = new ClientLocation(39.04, -77.49, ClientLocation.Source.HEADER, null);

        assertThat(ClientLocation.parseHeader("39.04, -77.49")).isEqualTo(expected);
        assertThat(ClientLocation.parseHeader("  39.04 ,-77.49  ")).isEqualTo(expected);
        assertThat(ClientLocation.parseHeader("\t39.04\t,\t-77.49")).isEqualTo(expected);
    }

    @Test
    void boundsAreInclusive() {
        assertThat(ClientLocation.parseHeader("90,180")).isNotNull();
        assertThat(ClientLocation.parseHeader("-90,-180")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"90.0001,0", "-91,0", "0,180.5", "0,-181", "100,100"})
    void outOfRangeValuesAreIgnored(String value) {
        assertThat(ClientLocation.parseHeader(value)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", ",", "51.51", "51.51,", ",-0.13", "51.51,-0.13,10", "51.51;-0.13", "51.51 -0.13", "abc,def",
        "51.51N,0.13W", "5e1,0", "0x1p3,0", "51.,0", ".5,0", "--1,0", "1 2,0", "0012.5,0", "51.51,-0.13d", "５１,0"})
    void malformedValuesAreIgnored(String value) {
        assertThat(ClientLocation.parseHeader(value)).as("'%s'", value).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN,0", "0,NaN", "Infinity,0", "0,-Infinity"})
    void nanAndInfinityAreIgnored(String value) {
        assertThat(ClientLocation.parseHeader(value)).isNull();
    }

    @Test
    void overlongValueIsIgnoredWithoutParsing() {
        assertThat(ClientLocation.parseHeader("1".repeat(10_000) + ",0")).isNull();
        assertThat(ClientLocation.parseHeader("51.510000000000000000000000,-0.130000000000000000000000000")).isNotNull();
    }

    @Test
    void recordIsValidated() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ClientLocation(91, 0, ClientLocation.Source.GEOIP, "GB"))
                .withMessage("lat: 91.0 (expected: -90..90)");
        assertThatIllegalArgumentException().isThrownBy(() -> new ClientLocation(0, Double.NaN, ClientLocation.Source.GEOIP, null))
                .withMessage("lon: NaN (expected: -180..180)");
        assertThatNullPointerException().isThrownBy(() -> new ClientLocation(0, 0, null, null)).withMessage("source");
    }

    @Test
    void pointIsTheSameCoordinates() {
        assertThat(new ClientLocation(51.51, -0.13, ClientLocation.Source.GEOIP, "GB").point()).isEqualTo(new GeoPoint(51.51, -0.13));
    }
}
