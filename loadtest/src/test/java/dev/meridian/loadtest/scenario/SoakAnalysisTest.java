package dev.meridian.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak report's arithmetic and schedule, over figures made up here. */
class SoakAnalysisTest {

    /** Readings every 10 s for {@code minutes}. */
    private static long[] everyTenSeconds(int minutes) {
        long[] millis = new long[minutes * 6 + 1];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = i * 10_000L;
        }
        return millis;
    }

    @Test
    void aSteadyGrowthIsItsSlopePerTenMinutes() {
        long[] millis = everyTenSeconds(20);
        double[] values = new double[millis.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 + millis[i] / 60_000.0; // +1 MiB a minute
        }

        SoakAnalysis.Trend trend = SoakAnalysis.trend(millis, values, 0);

        assertThat(trend.slopePerTenMinutes()).isCloseTo(10, within(1e-9));
        assertThat(trend.range()).isCloseTo(20, within(1e-9));
        assertThat(trend.points()).isEqualTo(121);
        assertThat(trend.flat(16)).isTrue();
        assertThat(trend.flat(8)).isFalse();
    }

    @Test
    void aSawtoothAroundALevelIsFlatAndReadingsBeforeTheSettlingTimeAreLeftOut() {
        long[] millis = everyTenSeconds(30);
        double[] values = new double[millis.length];
        for (int i = 0; i < values.length; i++) {
            // Warm-up climbs from 0 to 200 in the first two minutes, then +-20 around 200.
            values[i] = millis[i] < 120_000 ? millis[i] / 600.0 : 200 + (i % 2 == 0 ? 20 : -20);
        }

        SoakAnalysis.Trend all = SoakAnalysis.trend(millis, values, 0);
        SoakAnalysis.Trend settled = SoakAnalysis.trend(millis, values, 120_000);

        assertThat(all.slopePerTenMinutes()).as("the warm-up's climb drags a trend over everything").isGreaterThan(10);
        assertThat(settled.slopePerTenMinutes()).isCloseTo(0, within(1.0));
        assertThat(settled.flat(16)).isTrue();
        assertThat(settled.min()).isEqualTo(180);
        assertThat(settled.max()).isEqualTo(220);
    }

    @Test
    void aTrendNeedsTwoPointsAndSkipsMissingValues() {
        SoakAnalysis.Trend one = SoakAnalysis.trend(new long[] {0, 10_000}, new double[] {5, Double.NaN}, 0);
        assertThat(one.points()).isEqualTo(1);
        assertThat(one.slopePerTenMinutes()).isNaN();
        assertThat(one.flat(100)).as("no slope is no proof of flatness").isFalse();
        assertThat(SoakAnalysis.trend(new long[0], new double[0], 0).range()).isNaN();
        assertThatThrownBy(() -> SoakAnalysis.trend(new long[1], new double[2], 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backToBaselineAllowsTheLargerOfTheAbsoluteAndRelativeSlack() {
        assertThat(SoakAnalysis.backToBaseline(100, 132, 0.10, 32)).isTrue();
        assertThat(SoakAnalysis.backToBaseline(100, 133, 0.10, 32)).isFalse();
        assertThat(SoakAnalysis.backToBaseline(1000, 1100, 0.10, 32)).isTrue();
        assertThat(SoakAnalysis.backToBaseline(1000, 1101, 0.10, 32)).isFalse();
        assertThat(SoakAnalysis.backToBaseline(1000, 10, 0.10, 32)).as("below the baseline is no leak").isTrue();
    }

    @Test
    void theCycleBaselineIsEachFiguresSmallestReadingBeforeACycle() {
        SoakScenario.Reading startBurst = new SoakScenario.Reading(10_000, 90, 40, 8, 16, 7000, 2000, 1600, 1300);
        SoakScenario.Reading steady = new SoakScenario.Reading(70_000, 80, 42, 8, 15, 4200, 2000, 60, 60);
        SoakPlan.Cycle cycle = new SoakPlan(Duration.ZERO, Duration.ofMinutes(2), Duration.ofMinutes(1), Duration.ofSeconds(5))
                .cycles().get(0);

        SoakScenario.Reading baseline = SoakScenario.baseline(List.of(
                new SoakScenario.CycleOutcome(cycle, startBurst, steady, List.of(), 0),
                new SoakScenario.CycleOutcome(cycle, steady, steady, List.of(), 0)));

        assertThat(baseline).isEqualTo(new SoakScenario.Reading(10_000, 80, 40, 8, 15, 4200, 2000, 60, 60));
    }

    @Test
    void driftComparesTheLastWindowWithTheFirstWithinTheAllowance() {
        SoakAnalysis.Drift steady = new SoakAnalysis.Drift(20, 24, 1.25, 1);
        SoakAnalysis.Drift drifted = new SoakAnalysis.Drift(20, 26.5, 1.25, 1);

        assertThat(steady.within()).isTrue();
        assertThat(steady.ratio()).isCloseTo(1.2, within(1e-9));
        assertThat(steady.describe()).isEqualTo("20.00 ms -> 24.00 ms (x1.20)");
        assertThat(drifted.within()).isFalse();
        assertThat(SoakAnalysis.driftWindowMinutes(30)).isEqualTo(5);
        assertThat(SoakAnalysis.driftWindowMinutes(5)).isEqualTo(2);
        assertThat(SoakAnalysis.driftWindowMinutes(2)).isEqualTo(1);
        assertThat(SoakAnalysis.driftWindowMinutes(1)).isZero();
    }

    @Test
    void aPlanCutsTheRunIntoWholeCyclesOfFourFaultsWithQuietBetween() {
        SoakPlan plan = new SoakPlan(Duration.ofSeconds(5), Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofSeconds(20));

        List<SoakPlan.Cycle> cycles = plan.cycles();

        assertThat(cycles).hasSize(6);
        SoakPlan.Cycle second = cycles.get(1);
        assertThat(second.startMillis()).isEqualTo(305_000);
        assertThat(second.endMillis()).isEqualTo(605_000);
        assertThat(second.steps()).extracting(SoakPlan.Step::fault).containsExactly(SoakPlan.Fault.values());
        assertThat(second.firstFaultMillis()).isEqualTo(325_000);
        assertThat(second.steps().get(3).faultMillis()).isEqualTo(305_000 + 7 * 20_000);
        assertThat(second.steps().get(3).recoverMillis()).as("the last fault ends 8 x fault-for into the cycle")
                .isEqualTo(305_000 + 8 * 20_000);
        assertThat(new SoakPlan(Duration.ZERO, Duration.ofSeconds(150), Duration.ofMinutes(1), Duration.ofSeconds(5)).cycles())
                .as("only whole cycles").hasSize(2);
    }

    @Test
    void aPlanRefusesCyclesTooShortForTheirFaultsAndRunsShorterThanACycle() {
        assertThatThrownBy(() -> new SoakPlan(Duration.ZERO, Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofSeconds(7)))
                .hasMessageContaining("cycle-every: 60s (expected: at least 9 x fault-for = 63s)");
        assertThatThrownBy(() -> new SoakPlan(Duration.ZERO, Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofSeconds(5)))
                .hasMessageContaining("duration: 30s");
        assertThatThrownBy(() -> new SoakPlan(Duration.ZERO, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ZERO))
                .hasMessageContaining("fault-for");
    }
}
