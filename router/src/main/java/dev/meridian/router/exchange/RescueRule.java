package dev.meridian.router.exchange;

/**
 * Whether a request may be sent again, and what to do with an attempt still waiting for its first
 * byte when its endpoint or region is declared down (DESIGN.md, "Failure handling"): pure
 * functions of the request's state, shared by retries and rescues, tested without sockets.
 */
final class RescueRule {

    /** What becomes of an attempt stuck on an endpoint or region declared down. */
    enum Action {
        /** Another attempt of the request (a hedge, or the first attempt) is live elsewhere: cancel this one and carry on with it. */
        CARRY_ON_WITH_OTHER,
        /** Cancel it and send the request elsewhere now, as a retry (budget permitting). */
        RESEND,
        /** Leave it: nothing may be done (the response started, the request may not be repeated, no attempt left, rescue off). */
        LEAVE
    }

    private RescueRule() {}

    /**
     * Whether the request may go to an upstream again: it never reached one (no byte was sent),
     * or the whole body sent so far is still in the replay buffer and repeating it is safe (an
     * idempotent method, or a route whose requests have no side effects).
     */
    static boolean mayRepeat(boolean neverSent, boolean bodyInReplayBuffer, boolean repeatSafe) {
        return neverSent || (bodyInReplayBuffer && repeatSafe);
    }

    /**
     * @param rescueOn the route's {@code retry.rescue}
     * @param responseStarted whether a response byte already went to the client
     * @param otherLive whether another attempt of the request is live (the race of a hedge)
     * @param mayRepeat {@link #mayRepeat}
     * @param attemptsLeft whether {@code retry.max-attempts} allows one more attempt
     */
    static Action decide(boolean rescueOn, boolean responseStarted, boolean otherLive, boolean mayRepeat,
            boolean attemptsLeft) {
        if (!rescueOn || responseStarted) {
            return Action.LEAVE;
        }
        if (otherLive) {
            return Action.CARRY_ON_WITH_OTHER;
        }
        return mayRepeat && attemptsLeft ? Action.RESEND : Action.LEAVE;
    }
}
