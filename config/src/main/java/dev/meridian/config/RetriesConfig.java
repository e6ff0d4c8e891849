package dev.meridian.config;

import java.time.Duration;

/**
 * The limits every route's retries and hedges share. Retries rescue single requests, but during a
 * global outage they multiply the load on whatever is left; a budget (retries and hedges at most
 * {@code budgetRatio} of the requests over {@code budgetWindow}, plus a small floor so that a
 * quiet router can still retry) keeps the extra load bounded, as in Finagle and gRPC.
 *
 * @param budgetRatio retries and hedges together at most this fraction of requests, 0..1
 * @param budgetWindow the window over which requests and retries are counted (positive)
 * @param minPerSecond retries per second allowed whatever the ratio says, 0..1000000
 * @param replayBuffer request bodies up to this many bytes are kept so that they can be sent again,
 *     0..2147483647; a larger body streams through and its request is not retried
 */
public record RetriesConfig(double budgetRatio, Duration budgetWindow, int minPerSecond, long replayBuffer) {

    /** Most retries per second of the floor; far above any sensible value, it catches typos. */
    public static final int MAX_MIN_PER_SECOND = 1_000_000;

    public RetriesConfig {
        if (!(budgetRatio >= 0 && budgetRatio <= 1)) { // also refuses NaN
            throw new IllegalArgumentException("budgetRatio: " + budgetRatio + " (expected: 0..1)");
        }
        TimeoutConfig.checkPositive(budgetWindow, "budgetWindow");
        Range.check("minPerSecond", minPerSecond, 0, MAX_MIN_PER_SECOND);
        Range.check("replayBuffer", replayBuffer, 0, Integer.MAX_VALUE);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static RetriesConfig ofDefaults() {
        return new RetriesConfig(
                ConfigDefaults.RETRY_BUDGET_RATIO,
                ConfigDefaults.RETRY_BUDGET_WINDOW,
                ConfigDefaults.RETRY_MIN_PER_SECOND,
                ConfigDefaults.REPLAY_BUFFER);
    }

    public RetriesConfig withBudgetRatio(double budgetRatio) {
        return new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer);
    }

    public RetriesConfig withBudgetWindow(Duration budgetWindow) {
        return new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer);
    }

    public RetriesConfig withMinPerSecond(int minPerSecond) {
        return new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer);
    }

    public RetriesConfig withReplayBuffer(long replayBuffer) {
        return new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer);
    }
}
