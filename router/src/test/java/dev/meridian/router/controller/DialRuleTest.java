package dev.meridian.router.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.ControllerMode;
import dev.meridian.config.SloControllerConfig;
import dev.meridian.regions.RegionDial;
import dev.meridian.router.controller.DialRule.Action;
import dev.meridian.router.controller.DialRule.Decision;
import dev.meridian.router.controller.DialRule.Memory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link DialRule} over recorded SLI series: one sample every 10 s, a short window of 1 min, a
 * long one of 10 min, a cool-down of 2 min, objectives 99.9 % and 99.5 %, threshold 14.4, halving,
 * floor 10 %. A series is played as the controller in {@code act} mode plays it: a decision that
 * moves the dial moves it.
 */
class DialRuleTest {

    private static final long TICK = Duration.ofSeconds(10).toNanos();
    private static final SloControllerConfig CONFIG = SloControllerConfig.ofDefaults()
            .withMode(ControllerMode.ACT)
            .withTiming(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofMinutes(2), Duration.ofSeconds(10))
            .withMinAttempts(50);

    /** A window of 1000 attempts with {@code failedPercent} % failures and a perfect Apdex. */
    private static SliCounters window(double failedPercent) {
        return new SliCounters(1000, failedPercent * 10, 1000, 0, 0);
    }

    /** Burn rates from failure percentages of the short and long windows (a 2 % error ratio burns at 20). */
    private static Burn burn(double shortFailedPercent, double longFailedPercent) {
        return Burn.of(window(shortFailedPercent), window(longFailedPercent), CONFIG.availability(), CONFIG.apdex());
    }

    private static final Burn HEALTHY = burn(0, 0);
    private static final Burn FAILING = burn(20, 20);

    /** Plays a series for region "a" (spilling to "b") and returns the dial after each sample. */
    private static final class Player {
        final DialRule rule = new DialRule(CONFIG);
        RegionDial dial = RegionDial.DEFAULT;
        Memory memory = Memory.NEW;
        long now = 0;
        final List<Integer> dials = new ArrayList<>();
        final List<Decision> decisions = new ArrayList<>();

        Player play(Burn a, Burn b, int samples) {
            for (int i = 0; i < samples; i++) {
                now += TICK;
                Map<String, Burn> burns = new HashMap<>(Map.of("a", a, "b", b));
                Decision d = rule.decide(new DialRule.Input("a", a, dial, true, List.of("b")), burns, memory, now);
                decisions.add(d);
                memory = d.memory();
                if (d.action() != Action.HOLD) {
                    dial = new RegionDial(d.to(), dial.baseline(), false, "slo-controller");
                    memory = memory.steppedAt(now);
                }
                dials.add(dial.percent());
            }
            return this;
        }

        Player play(Burn a, int samples) {
            return play(a, HEALTHY, samples);
        }
    }

    @Test
    void aRegionBurningInBothWindowsIsHalvedOncePerShortWindowDownToTheFloor() {
        Player p = new Player().play(FAILING, 30);

        assertThat(p.decisions.get(0).action()).isEqualTo(Action.DOWN);
        assertThat(p.decisions.get(0).reason()).contains("availability 200.0/200.0");
        assertThat(p.dials.subList(0, 7)).as("one step, then the short window (6 samples) to see it").containsExactly(50, 50, 50, 50, 50, 50, 25);
        assertThat(p.dials).containsSubsequence(50, 25, 12, 10);
        assertThat(p.dials.get(p.dials.size() - 1)).as("never below the floor").isEqualTo(10);
        assertThat(p.decisions.get(p.decisions.size() - 1).reason()).contains("at the floor (10%)");
    }

    @Test
    void onlyTheShortWindowBurningIsABlipNotADecision() {
        Player p = new Player().play(burn(20, 0.5), 20);

        assertThat(p.dials).containsOnly(100);
        assertThat(p.decisions).extracting(Decision::action).containsOnly(Action.HOLD);
    }

    @Test
    void aSlowBurnBelowTheThresholdIsLeftAlone() {
        Player p = new Player().play(burn(1, 1), 20); // burn rate 10 in both windows

        assertThat(p.dials).containsOnly(100);
        assertThat(p.decisions.get(0).reason()).contains("below the threshold");
    }

    @Test
    void afterTheFaultTheDialReturnsStepByStepOncePerCoolDown() {
        Player p = new Player().play(FAILING, 7).play(HEALTHY, 60);

        List<Integer> recovery = p.dials.subList(7, p.dials.size());
        assertThat(p.dials.get(6)).isEqualTo(25);
        int firstUp = recovery.indexOf(50);
        assertThat(firstUp).as("2 min (12 samples) after the first calm sample").isEqualTo(12);
        assertThat(recovery.indexOf(100) - firstUp).as("and a cool-down between steps").isEqualTo(12);
        assertThat(recovery.get(recovery.size() - 1)).isEqualTo(100);
        assertThat(p.decisions).extracting(Decision::action).filteredOn(a -> a == Action.UP).hasSize(2);
    }

    @Test
    void aBurnBetweenOneAndTheThresholdHoldsATurnedDownRegionAndRestartsTheCoolDown() {
        Player p = new Player().play(FAILING, 1).play(burn(0.5, 0.5), 30); // burn 5: not calm, not burning enough

        assertThat(p.dials).containsOnly(50);
        assertThat(p.decisions.get(p.decisions.size() - 1).reason()).contains("held below the baseline");
    }

    @Test
    void flappingInputNeverSendsTheDialUpAndDownAgain() {
        Player p = new Player();
        for (int i = 0; i < 30; i++) {
            p.play(i % 2 == 0 ? burn(20, 20) : burn(0.01, 20), 1);
        }
        List<Integer> dials = p.dials;
        for (int i = 1; i < dials.size(); i++) {
            assertThat(dials.get(i)).as("sample %d: the dial only goes down while the input flaps", i).isLessThanOrEqualTo(dials.get(i - 1));
        }
        assertThat(p.decisions).extracting(Decision::action).doesNotContain(Action.UP);
    }

    @Test
    void aPinnedDialIsLeftAlone() {
        Player p = new Player();
        p.dial = new RegionDial(80, 80, true, "sre");
        p.play(FAILING, 10);

        assertThat(p.dials).containsOnly(80);
        assertThat(p.decisions.get(0).reason()).isEqualTo("pinned by sre: left alone until unpinned");
    }

    @Test
    void nothingMovesWhenTheRegionsThatWouldTakeTheSpillBurnToo() {
        Player p = new Player().play(FAILING, FAILING, 10);

        assertThat(p.dials).containsOnly(100);
        assertThat(p.decisions.get(0).reason()).contains("the regions that would take the spill burn too: b");

        p.play(FAILING, HEALTHY, 1);
        assertThat(p.dials.get(p.dials.size() - 1)).as("the neighbour recovered: now it can take the spill").isEqualTo(50);
    }

    @Test
    void tooFewAttemptsAreNotJudged() {
        SliCounters few = new SliCounters(10, 5, 10, 0, 0);
        Player p = new Player().play(Burn.of(few, few, CONFIG.availability(), CONFIG.apdex()), 10);

        assertThat(p.dials).containsOnly(100);
        assertThat(p.decisions.get(0).reason()).contains("too few attempts");
    }

    @Test
    void aSlowRegionBurnsTheApdexBudget() {
        SliCounters slow = new SliCounters(1000, 0, 800, 100, 100); // Apdex 0.85: burn 30
        Player p = new Player().play(Burn.of(slow, slow, CONFIG.availability(), CONFIG.apdex()), 1);

        assertThat(p.dials).containsExactly(50);
        assertThat(p.decisions.get(0).reason()).contains("apdex 30.0/30.0");
    }

    @Test
    void aRegionThatIsDrainedIsNotTheControllers() {
        DialRule rule = new DialRule(CONFIG);
        Decision d = rule.decide(new DialRule.Input("a", FAILING, RegionDial.DEFAULT, false, List.of("b")),
                Map.of("a", FAILING), Memory.NEW, TICK);

        assertThat(d.action()).isEqualTo(Action.HOLD);
        assertThat(d.reason()).contains("drained");
    }
}
