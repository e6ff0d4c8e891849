package dev.meridian.regions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GreatCircleTest {

    @Test
    void knownCityPairsAreWithinHalfAPercent() {
        // Reference distances (great circle, km).
        assertThat(GreatCircle.distanceKm(51.5074, -0.1278, 40.7128, -74.0060)).isCloseTo(5570, within(28.0)); // London–New York
        assertThat(GreatCircle.distanceKm(35.6762, 139.6503, 37.7749, -122.4194)).isCloseTo(8270, within(41.0)); // Tokyo–San Francisco
        assertThat(GreatCircle.distanceKm(-33.8688, 151.2093, 51.5074, -0.1278)).isCloseTo(16990, within(85.0)); // Sydney–London
        assertThat(GreatCircle.distanceKm(48.8566, 2.3522, 52.5200, 13.4050)).isCloseTo(878, within(5.0)); // Paris–Berlin
    }

    @Test
    void distanceIsSymmetricZeroForTheSamePointAndBoundedByHalfTheCircumference() {
        assertThat(GreatCircle.distanceKm(10, 20, 10, 20)).isZero();
        assertThat(GreatCircle.distanceKm(10, 20, -30, 140)).isEqualTo(GreatCircle.distanceKm(-30, 140, 10, 20));
        assertThat(GreatCircle.distanceKm(0, 0, 0, 180)).isCloseTo(Math.PI * GreatCircle.EARTH_RADIUS_KM, within(1e-6));
        assertThat(GreatCircle.distanceKm(0, 179.9, 0, -179.9)).as("across the antimeridian").isLessThan(23);
    }
}
