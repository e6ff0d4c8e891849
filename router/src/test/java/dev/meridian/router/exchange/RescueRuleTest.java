package dev.meridian.router.exchange;

import static dev.meridian.router.exchange.RescueRule.Action.CARRY_ON_WITH_OTHER;
import static dev.meridian.router.exchange.RescueRule.Action.LEAVE;
import static dev.meridian.router.exchange.RescueRule.Action.RESEND;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What becomes of an attempt stuck on an endpoint or region declared down. */
class RescueRuleTest {

    @Test
    void aRequestMayBeRepeatedWhenItWasNeverSentOrItsBodyIsBufferedAndRepeatingIsSafe() {
        assertThat(RescueRule.mayRepeat(true, false, false)).as("never sent").isTrue();
        assertThat(RescueRule.mayRepeat(false, true, true)).isTrue();
        assertThat(RescueRule.mayRepeat(false, true, false)).as("a sent POST on a route that may not repeat").isFalse();
        assertThat(RescueRule.mayRepeat(false, false, true)).as("its body streamed past the replay buffer").isFalse();
    }

    @Test
    void aStuckAttemptIsResentWhenTheRequestMayBeRepeatedAndAnAttemptIsLeft() {
        assertThat(RescueRule.decide(true, false, false, true, true)).isEqualTo(RESEND);
        assertThat(RescueRule.decide(true, false, false, false, true)).as("may not repeat").isEqualTo(LEAVE);
        assertThat(RescueRule.decide(true, false, false, true, false)).as("max-attempts reached").isEqualTo(LEAVE);
    }

    @Test
    void aHedgeRaceCarriesOnWithTheOtherAttempt() {
        assertThat(RescueRule.decide(true, false, true, true, false)).isEqualTo(CARRY_ON_WITH_OTHER);
        assertThat(RescueRule.decide(true, false, true, false, true))
                .as("nothing is repeated: the other attempt is already running").isEqualTo(CARRY_ON_WITH_OTHER);
    }

    @Test
    void nothingIsRescuedWithRescueOffOrOnceTheResponseStarted() {
        assertThat(RescueRule.decide(false, false, false, true, true)).isEqualTo(LEAVE);
        assertThat(RescueRule.decide(false, false, true, true, true)).isEqualTo(LEAVE);
        assertThat(RescueRule.decide(true, true, false, true, true)).isEqualTo(LEAVE);
    }
}
