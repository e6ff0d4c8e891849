package dev.meridian.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.loadtest.scenario.TrafficSampler.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The traffic arithmetic the failover reports rest on, over readings made up here. */
class TrafficSamplerTest {

    private static final List<String> REGIONS = List.of("a", "b");

    /**
     * Readings every 100 ms for {@code seconds}: 100 attempts per second in all, region a getting
     * {@code shareOfA.apply(millis)} of them.
     */
    private static TrafficSampler sampler(int seconds, java.util.function.LongToDoubleFunction shareOfA) {
        List<Sample> samples = new ArrayList<>();
        long a = 0;
        long b = 0;
        for (long millis = 0; millis <= seconds * 1000L; millis += 100) {
            if (millis > 0) {
                long toA = Math.round(10 * shareOfA.applyAsDouble(millis));
                a += toA;
                b += 10 - toA;
            }
            samples.add(new Sample(millis, new long[] {a, b}, new long[] {0, 0}));
        }
        return new TrafficSampler(REGIONS, samples);
    }

    @Test
    void lastAttemptIsTheLastSampleWithNewAttemptsInsideTheInterval() {
        TrafficSampler traffic = sampler(10, millis -> millis <= 2300 ? 1 : millis > 6000 ? 1 : 0);

        assertThat(traffic.lastAttemptBetween("a", 2000, 6000)).as("the 2.2–2.3 s interval had attempts").isEqualTo(2300);
        assertThat(traffic.lastAttemptBetween("a", 3000, 5900)).isEqualTo(-1);
        assertThat(traffic.firstAttemptAfter("a", 5000)).isEqualTo(6100);
        assertThat(traffic.attemptsBetween("b", 3000, 5000)).isEqualTo(200);
    }

    @Test
    void sharesSlideOverTheWindowAndConvergenceNeedsWindowsInARow() {
        // Half and half until 5 s, then a gets 20 %.
        TrafficSampler traffic = sampler(10, millis -> millis <= 5000 ? 0.5 : 0.2);

        List<double[]> shares = traffic.shares("a", 1000);
        assertThat(shares.get(shares.size() - 1)[1]).isEqualTo(0.2);
        assertThat(shares.stream().filter(p -> p[0] == 5000).findFirst().orElseThrow()[1]).isEqualTo(0.5);

        // A 1 s window is within 5 points of 20 % once at most 1/6 of it is from before the change.
        long converged = traffic.convergence("a", 0.2, 0.05, 1000, 3, 5000, 10_000);
        assertThat(converged).isBetween(800L, 900L);
        // The 200 ms window ending at 5.1 s still holds 5.0 s's half-and-half; the one ending at 5.2 s does not.
        assertThat(traffic.convergence("a", 0.2, 0.05, 200, 3, 5000, 10_000)).isEqualTo(200L);
        assertThat(traffic.convergence("a", 0.9, 0.05, 200, 3, 5000, 10_000)).isEqualTo(-1L);
    }

    @Test
    void perSecondRatesComeFromTheSamplesInsideEachSecond() {
        TrafficSampler traffic = sampler(3, millis -> 1);

        double[][] rates = traffic.perSecond(3);
        assertThat(rates[1][0]).isEqualTo(100.0);
        assertThat(rates[1][1]).isZero();
    }

    @Test
    void theGatewaySignalReadsTheGatewaysCounts() {
        List<Sample> samples = List.of(new Sample(0, new long[] {0, 0}, new long[] {0, 0}),
                new Sample(100, new long[] {0, 0}, new long[] {5, 0}));
        TrafficSampler traffic = new TrafficSampler(REGIONS, samples);

        assertThat(traffic.lastAttemptBetween("a", 0, 1000)).isEqualTo(-1);
        assertThat(traffic.use(TrafficSampler.Signal.GATEWAY_REQUESTS).lastAttemptBetween("a", 0, 1000)).isEqualTo(100);
    }
}
