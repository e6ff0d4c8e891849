package dev.meridian.router.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private long now = 1_000_000_000_000L;

    private int acquired(RetryBudget budget, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) {
            if (budget.tryAcquire()) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void retriesAreBoundedByTheRatioOfRequestsPlusTheFloor() {
        RetryBudget budget = new RetryBudget(0.2, 10, 1, () -> now);
        for (int i = 0; i < 1000; i++) {
            budget.onRequest();
        }
        assertThat(acquired(budget, 1000)).as("20% of 1000 plus a floor of 1/s over 10 s").isEqualTo(210);
    }

    @Test
    void withNoTrafficOnlyTheFloorIsAllowed() {
        RetryBudget budget = new RetryBudget(0.2, 10, 5, () -> now);
        assertThat(acquired(budget, 100)).isEqualTo(50);
    }

    @Test
    void theWindowSlides() {
        RetryBudget budget = new RetryBudget(0.2, 10, 0, () -> now);
        for (int i = 0; i < 100; i++) {
            budget.onRequest();
        }
        assertThat(acquired(budget, 100)).isEqualTo(20);

        now += 11_000_000_000L;
        assertThat(acquired(budget, 100)).as("old requests and retries have left the window").isZero();
        for (int i = 0; i < 50; i++) {
            budget.onRequest();
        }
        assertThat(acquired(budget, 100)).isEqualTo(10);
    }
}
