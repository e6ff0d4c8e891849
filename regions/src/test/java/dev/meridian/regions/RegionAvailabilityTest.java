package dev.meridian.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.RoutingConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one rule of "region is available" (DESIGN.md, routing policy 1), and that routing follows it. */
class RegionAvailabilityTest {

    private final RoutingTable table = RoutingTable.build(List.of(
            Regions.region("us-east4", Regions.US_EAST4, 100, 2),
            Regions.region("europe-west2", Regions.EUROPE_WEST2, 100, 1)));
    private final Region east = table.regions().get(0);
    private final Region europe = table.regions().get(1);
    private final TestHealth health = new TestHealth();

    @Test
    void aRegionWithWeightAClosedBreakerAndAnAvailableEndpointIsAvailable() {
        assertThat(health.isAvailable(east, 100)).isTrue();
        assertThat(health.isAvailable(east, 1)).isTrue();
        assertThat(health.availableEndpoints(east)).isEqualTo(2);
    }

    @Test
    void weightZeroMakesARegionUnavailableWhateverItsHealth() {
        assertThat(health.canServe(east)).isTrue();
        assertThat(health.isAvailable(east, 0)).isFalse();
    }

    @Test
    void anOpenBreakerMakesARegionUnavailable() {
        health.openBreaker("us-east4");
        assertThat(health.canServe(east)).isFalse();
        assertThat(health.isAvailable(east, 100)).isFalse();
        assertThat(health.isAvailable(europe, 100)).as("only that region").isTrue();
    }

    @Test
    void oneAvailableEndpointIsEnoughAndNoneIsNot() {
        health.down(east.endpoints().get(0));
        assertThat(health.availableEndpoints(east)).isEqualTo(1);
        assertThat(health.isAvailable(east, 100)).isTrue();
        health.down(east.endpoints().get(1));
        assertThat(health.availableEndpoints(east)).isZero();
        assertThat(health.canServe(east)).isFalse();
        assertThat(health.isAvailable(east, 100)).isFalse();
    }

    @Test
    void thePolicyAppliesTheRuleWithItsOverridesAndRoutesOnlyToAvailableRegions() {
        RoutingPolicy policy = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health,
                RegionOverrides.NONE.withDrained("us-east4", true));
        assertThat(policy.isAvailable(east)).as("drained: effective weight 0").isFalse();
        assertThat(policy.isAvailable(europe)).isTrue();
        assertThat(policy.shares(Regions.from(Regions.NEW_YORK))).containsEntry("us-east4", 0.0);

        RoutingPolicy weighted = policy.withOverrides(RegionOverrides.NONE.withWeight("europe-west2", 0));
        assertThat(weighted.isAvailable(east)).isTrue();
        assertThat(weighted.isAvailable(europe)).as("weighted to 0").isFalse();
        assertThat(weighted.shares(Regions.from(Regions.PARIS))).containsEntry("europe-west2", 0.0);
    }
}
