package dev.meridian.regions;

import static dev.meridian.regions.Regions.EUROPE_WEST2;
import static dev.meridian.regions.Regions.NEW_YORK;
import static dev.meridian.regions.Regions.OSAKA;
import static dev.meridian.regions.Regions.PARIS;
import static dev.meridian.regions.Regions.US_CENTRAL1;
import static dev.meridian.regions.Regions.US_EAST1;
import static dev.meridian.regions.Regions.US_EAST4;
import static dev.meridian.regions.Regions.from;
import static dev.meridian.regions.Regions.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.meridian.config.PanicMode;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.RoutingMode;
import dev.meridian.regions.RoutingDecision.Reason;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingPolicyTest {

    private static final int DECISIONS = 10_000;

    private static RoutingPolicy policy(List<RegionConfig> regions, RoutingConfig routing, HealthSignals health) {
        return RoutingPolicy.create(RoutingTable.build(regions, routing, System::nanoTime), routing, health);
    }

    private static Map<String, Integer> tally(RoutingPolicy policy, RoutingRequest request) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < DECISIONS; i++) {
            RoutingDecision decision = policy.decide(request);
            counts.merge(decision == null ? "rejected" : decision.region().name(), 1, Integer::sum);
        }
        return counts;
    }

    private static double fraction(Map<String, Integer> counts, String region) {
        return counts.getOrDefault(region, 0) / (double) DECISIONS;
    }

    @Test
    void clientsGoToTheNearestRegion() {
        RoutingPolicy policy = policy(Regions.threeContinents(), RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY);

        assertThat(policy.decide(from(PARIS)).region().name()).isEqualTo("europe-west2");
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east4");
        assertThat(policy.decide(from(OSAKA)).region().name()).isEqualTo("asia-northeast1");
        assertThat(policy.decide(from(PARIS)).reason()).isEqualTo(Reason.GEO);

        RoutingExplanation explained = policy.explain(from(PARIS));
        assertThat(explained.rankedBy()).isEqualTo("geo");
        assertThat(explained.candidates()).extracting(RegionCandidate::region)
                .containsExactly("europe-west2", "us-east4", "asia-northeast1");
        assertThat(explained.candidates().get(0).distanceKm()).isCloseTo(343.0, within(10.0));
        assertThat(explained.candidates().get(0).share()).isEqualTo(1.0);
    }

    @Test
    void theFirstRankedRegionIsAlwaysTheNearestForRandomLocations() {
        List<RegionConfig> regions = Regions.threeContinents();
        RoutingPolicy policy = policy(regions, RoutingConfig.ofDefaults().withTieBand(Duration.ofMillis(1)),
                HealthSignals.ALL_HEALTHY);
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            double lat = random.nextDouble() * 180 - 90;
            double lon = random.nextDouble() * 360 - 180;
            String nearest = null;
            double best = Double.MAX_VALUE;
            for (RegionConfig region : regions) {
                double d = GreatCircle.distanceKm(lat, lon, region.location().lat(), region.location().lon());
                if (d < best) {
                    best = d;
                    nearest = region.name();
                }
            }
            RoutingExplanation explained = policy.explain(
                    from(new ClientLocation(lat, lon, ClientLocation.Source.GEOIP, null)));
            assertThat(explained.candidates().get(0).region()).as("client at %.2f,%.2f", lat, lon).isEqualTo(nearest);
        }
    }

    @Test
    void withoutALocationRegionsAreRankedByMeasuredLatencyThenByConfigurationOrder() {
        TestHealth health = new TestHealth();
        RoutingPolicy policy = policy(Regions.threeContinents(), RoutingConfig.ofDefaults(), health);

        assertThat(policy.decide(Regions.unknownLocation()).region().name()).isEqualTo("us-east4");
        assertThat(policy.decide(Regions.unknownLocation()).reason()).isEqualTo(Reason.CONFIG_ORDER);

        health.latency("asia-northeast1", 4).latency("europe-west2", 40).latency("us-east4", 90);
        assertThat(policy.decide(Regions.unknownLocation()).region().name()).isEqualTo("asia-northeast1");
        assertThat(policy.decide(Regions.unknownLocation()).reason()).isEqualTo(Reason.LATENCY);
        assertThat(policy.explain(Regions.unknownLocation()).rankedBy()).isEqualTo("latency");
    }

    @Test
    void regionsWithinTheTieBandShareByWeightWithinTwoPercent() {
        // Ashburn and Moncks Corner are ~750 km apart: about 7.5 ms of estimated RTT, inside a 10 ms band.
        RoutingPolicy policy = eastCoastAndLondon(300);

        Map<String, Integer> counts = tally(policy, from(NEW_YORK));

        assertThat(fraction(counts, "us-east4")).isCloseTo(0.75, within(0.02));
        assertThat(fraction(counts, "us-east1")).isCloseTo(0.25, within(0.02));
        assertThat(fraction(counts, "europe-west2")).isZero();
        assertThat(policy.decide(from(NEW_YORK)).reason()).isEqualTo(Reason.WEIGHT);
    }

    @Test
    void weightZeroDrainsARegion() {
        RoutingPolicy policy = eastCoastAndLondon(0);

        Map<String, Integer> counts = tally(policy, from(NEW_YORK));

        assertThat(counts).doesNotContainKey("us-east4");
        assertThat(fraction(counts, "us-east1")).isEqualTo(1.0);
        assertThat(policy.explain(from(NEW_YORK)).candidates().get(0))
                .satisfies(c -> {
                    assertThat(c.region()).isEqualTo("us-east4");
                    assertThat(c.available()).isFalse();
                    assertThat(c.share()).isZero();
                });
    }

    @Test
    void aRegionWithHalfItsEndpointsHealthyKeepsSeventyPercent() {
        TestHealth health = new TestHealth();
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health);
        health.down(table.region("europe-west2").orElseThrow().endpoints().get(0));

        Map<String, Integer> counts = tally(policy, from(PARIS));

        assertThat(fraction(counts, "europe-west2")).isCloseTo(0.70, within(0.02));
        assertThat(fraction(counts, "us-east4")).as("the next region takes the spill").isCloseTo(0.30, within(0.02));
        for (int i = 0; i < 100; i++) {
            RoutingDecision decision = policy.decide(from(PARIS));
            assertThat(health.isAvailable(decision.endpoint())).as("never the down endpoint").isTrue();
            if (decision.region().name().equals("europe-west2")) {
                assertThat(health.isAvailable(decision.endpoint())).isTrue();
            } else {
                assertThat(decision.reason()).isEqualTo(Reason.FAILOVER);
            }
        }
    }

    @Test
    void anOpenBreakerOrNoHealthyEndpointMakesTheRegionUnavailable() {
        TestHealth health = new TestHealth();
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health);

        health.openBreaker("europe-west2");
        assertThat(tally(policy, from(PARIS))).containsOnlyKeys("us-east4");

        for (Endpoint endpoint : table.region("us-east4").orElseThrow().endpoints()) {
            health.down(endpoint);
        }
        assertThat(tally(policy, from(PARIS))).containsOnlyKeys("asia-northeast1");
    }

    @Test
    void withNothingAvailableTrafficGoesToTheNearestRegionInPanicOrIsRejected() {
        TestHealth health = new TestHealth();
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        for (Region region : table.regions()) {
            region.endpoints().forEach(health::down);
        }

        RoutingDecision panic = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health).decide(from(PARIS));
        assertThat(panic.region().name()).isEqualTo("europe-west2");
        assertThat(panic.reason()).isEqualTo(Reason.PANIC);

        RoutingConfig reject = RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT);
        assertThat(RoutingPolicy.create(table, reject, health).decide(from(PARIS))).isNull();
    }

    @Test
    void latencyAwareModeAddsMeasuredLatencyAndIgnoresChangesInsideTheHysteresis() {
        TestHealth health = new TestHealth();
        RoutingConfig routing = RoutingConfig.ofDefaults()
                .withMode(RoutingMode.LATENCY_AWARE)
                .withTieBand(Duration.ofMillis(1))
                .withHysteresis(Duration.ofMillis(5))
                .withHysteresisPeriod(Duration.ZERO);
        RoutingPolicy policy = policy(List.of(
                region("us-east4", US_EAST4, 100, 1), region("us-east1", US_EAST1, 100, 1)), routing, health);

        // From New York: us-east4 ~ 3.3 ms by distance, us-east1 ~ 10.5 ms.
        health.latency("us-east4", 2).latency("us-east1", 2);
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east4");

        health.latency("us-east4", 20);
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("us-east4 measured 18 ms slower: 23.3 ms against 12.5 ms")
                .isEqualTo("us-east1");

        health.latency("us-east4", 16.5);
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("a 3.5 ms improvement is inside the 5 ms hysteresis: the ranking holds")
                .isEqualTo("us-east1");

        health.latency("us-east4", 4);
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east4");
    }

    @Test
    void latencyChangesALocationsFirstRegionAtMostOncePerHysteresisPeriod() {
        TestHealth health = new TestHealth();
        long[] now = {0};
        RoutingConfig routing = RoutingConfig.ofDefaults()
                .withMode(RoutingMode.LATENCY_AWARE)
                .withTieBand(Duration.ofMillis(1))
                .withHysteresisPeriod(Duration.ofSeconds(10));
        RoutingTable table = RoutingTable.build(List.of(
                region("us-east4", US_EAST4, 100, 1), region("us-east1", US_EAST1, 100, 1)), routing, () -> now[0]);
        RoutingPolicy policy = RoutingPolicy.create(table, routing, health, RegionOverrides.NONE, () -> now[0]);
        health.latency("us-east4", 2).latency("us-east1", 2);
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east4");

        // From New York: us-east4 is 3.5 ms away by distance, us-east1 9.9 ms.
        now[0] += Duration.ofSeconds(1).toNanos();
        health.latency("us-east4", 8);
        assertThat(policy.shares(from(NEW_YORK)))
                .as("us-east4 slower (11.5 ms against 11.9 ms): still first, they share its tie band; not a move")
                .containsEntry("us-east4", 0.5);
        now[0] += Duration.ofMillis(200).toNanos();
        health.latency("us-east4", 200);
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("us-east1 first now: the first move is at once").isEqualTo("us-east1");

        now[0] += Duration.ofSeconds(2).toNanos();
        health.latency("us-east4", 2);
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("recovered 2 s later: held until 10 s after the last move").isEqualTo("us-east1");
        assertThat(policy.shares(from(NEW_YORK))).containsEntry("us-east1", 1.0);
        assertThat(policy.decide(from(PARIS)).region().name())
                .as("holds are per client location; Paris never moved").isEqualTo("us-east4");

        now[0] += Duration.ofSeconds(8).toNanos() - 1;
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east1");
        now[0] += 1;
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("the period passed: back without any new measurement").isEqualTo("us-east4");

        now[0] += Duration.ofSeconds(1).toNanos();
        health.down(table.regions().get(0).endpoints().get(0));
        assertThat(policy.decide(from(NEW_YORK)).region().name())
                .as("moves for health are never held").isEqualTo("us-east1");
        health.up(table.regions().get(0).endpoints().get(0));
        assertThat(policy.decide(from(NEW_YORK)).region().name()).isEqualTo("us-east4");
    }

    @Test
    void aRetryNeverGoesToARegionThatFailedForTheRequestUnlessItIsTheOnlyOneLeft() {
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        TestHealth health = new TestHealth();
        RoutingPolicy policy = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health);
        List<Endpoint> tried = new java.util.ArrayList<>();
        java.util.Set<String> failed = new java.util.HashSet<>();
        RoutingDecision first = policy.decide(from(PARIS));
        tried.add(first.endpoint());
        failed.add(first.region().name());

        RoutingDecision second = policy.decideRetry(from(PARIS), tried, failed);
        assertThat(second.region().name()).isEqualTo("us-east4");
        tried.add(second.endpoint());
        failed.add(second.region().name());

        RoutingDecision third = policy.decideRetry(from(PARIS), tried, failed);
        assertThat(third.region().name()).as("neither failed region again").isEqualTo("asia-northeast1");
        tried.add(third.endpoint());
        failed.add(third.region().name());
        assertThat(policy.decideRetry(from(PARIS), tried, failed)).as("every region failed").isNull();

        for (Region region : List.of(table.regions().get(0), table.regions().get(2))) {
            region.endpoints().forEach(health::down);
        }
        assertThat(policy.decideRetry(from(PARIS), List.of(first.endpoint()), java.util.Set.of("europe-west2")))
                .as("the only region left: its other replica")
                .satisfies(d -> {
                    assertThat(d.region().name()).isEqualTo("europe-west2");
                    assertThat(d.endpoint()).isNotEqualTo(first.endpoint());
                });
    }

    @Test
    void aStickyTenantKeepsItsRegionAndRemovingARegionMovesOnlyItsTenants() {
        TestHealth health = new TestHealth();
        RoutingConfig wideBand = RoutingConfig.ofDefaults().withTieBand(Duration.ofMillis(50));
        RoutingPolicy policy = policy(List.of(
                        region("us-east4", US_EAST4, 100, 1),
                        region("us-east1", US_EAST1, 100, 1),
                        region("us-central1", US_CENTRAL1, 100, 1)),
                wideBand, health);

        Map<String, String> home = new HashMap<>();
        for (int t = 0; t < 3_000; t++) {
            String tenant = "instance-" + t;
            RoutingDecision first = policy.decide(Regions.tenant(NEW_YORK, tenant));
            assertThat(first.reason()).isEqualTo(Reason.STICKY);
            for (int again = 0; again < 3; again++) {
                assertThat(policy.decide(Regions.tenant(NEW_YORK, tenant)).region()).isEqualTo(first.region());
            }
            home.put(tenant, first.region().name());
        }
        Map<String, Long> perRegion = new HashMap<>();
        home.values().forEach(r -> perRegion.merge(r, 1L, Long::sum));
        assertThat(perRegion.values()).as("equal weights spread tenants evenly").allSatisfy(
                n -> assertThat(n / 3000.0).isCloseTo(1 / 3.0, within(0.04)));

        health.openBreaker("us-east1");
        int moved = 0;
        for (var entry : home.entrySet()) {
            String now = policy.decide(Regions.tenant(NEW_YORK, entry.getKey())).region().name();
            if (entry.getValue().equals("us-east1")) {
                assertThat(now).isNotEqualTo("us-east1");
                moved++;
            } else {
                assertThat(now).as("tenant %s of a region still available", entry.getKey()).isEqualTo(entry.getValue());
            }
        }
        assertThat(moved).isEqualTo(perRegion.get("us-east1").intValue());
    }

    @Test
    void theSameTenantMapsToTheSameRegionInEveryInstance() {
        List<RegionConfig> regions = List.of(
                region("us-east4", US_EAST4, 100, 1), region("us-east1", US_EAST1, 100, 1));
        RoutingConfig wideBand = RoutingConfig.ofDefaults().withTieBand(Duration.ofMillis(50));
        RoutingPolicy one = policy(regions, wideBand, HealthSignals.ALL_HEALTHY);
        RoutingPolicy other = policy(regions, wideBand, HealthSignals.ALL_HEALTHY);
        for (int t = 0; t < 500; t++) {
            assertThat(one.decide(Regions.tenant(NEW_YORK, "t" + t)).region().name())
                    .isEqualTo(other.decide(Regions.tenant(NEW_YORK, "t" + t)).region().name());
        }
    }

    @Test
    void aSlowReplicaGetsLessTrafficAtOnce() {
        long[] now = {0};
        RoutingConfig routing = RoutingConfig.ofDefaults();
        RoutingTable table = RoutingTable.build(
                List.of(region("europe-west2", EUROPE_WEST2, 100, 2)), routing, () -> now[0]);
        RoutingPolicy policy = RoutingPolicy.create(table, routing, HealthSignals.ALL_HEALTHY);
        Endpoint slow = table.regions().get(0).endpoints().get(0);
        Endpoint fast = table.regions().get(0).endpoints().get(1);
        slow.recordTimeToFirstByte(Duration.ofSeconds(2).toNanos());
        fast.recordTimeToFirstByte(Duration.ofMillis(50).toNanos());

        int toSlow = 0;
        for (int i = 0; i < 1_000; i++) {
            if (policy.decide(from(PARIS)).endpoint() == slow) {
                toSlow++;
            }
        }
        assertThat(toSlow).as("power of two choices picks the slow replica only when it cannot draw the other")
                .isLessThan(150);

        now[0] += Duration.ofMinutes(5).toNanos();
        assertThat(slow.timeToFirstByteNanos()).as("the estimate decays while unmeasured").isLessThan(1e6);
    }

    @Test
    void aRetryGoesToAnotherRegionFirstThenAnotherEndpointAndNeverToOneAlreadyTried() {
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = RoutingPolicy.create(table, RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY);
        List<Endpoint> tried = new java.util.ArrayList<>();
        RoutingDecision first = policy.decide(from(PARIS));
        assertThat(first.region().name()).isEqualTo("europe-west2");
        tried.add(first.endpoint());

        RoutingDecision second = policy.decideRetry(from(PARIS), tried);
        assertThat(second.region().name()).as("the next region, not the one that just failed").isEqualTo("us-east4");
        assertThat(second.reason()).isEqualTo(Reason.FAILOVER);
        tried.add(second.endpoint());

        RoutingDecision third = policy.decideRetry(from(PARIS), tried);
        assertThat(third.region().name()).isEqualTo("europe-west2");
        assertThat(third.endpoint()).isNotEqualTo(first.endpoint());

        for (Region region : table.regions()) {
            tried.addAll(region.endpoints());
        }
        assertThat(policy.decideRetry(from(PARIS), tried)).isNull();
    }

    @Test
    void adminOverridesDrainAndReweightWithoutRebuildingTheTable() {
        RoutingPolicy policy = eastCoastAndLondon(100);
        assertThat(policy.shares(from(NEW_YORK))).containsEntry("us-east4", 0.5).containsEntry("us-east1", 0.5);

        RoutingPolicy reweighted = policy.withOverrides(RegionOverrides.NONE.withWeight("us-east4", 300));
        assertThat(reweighted.shares(from(NEW_YORK)).get("us-east4")).isEqualTo(0.75);
        assertThat(fraction(tally(reweighted, from(NEW_YORK)), "us-east4")).isCloseTo(0.75, within(0.02));

        RoutingPolicy drained = reweighted.withOverrides(reweighted.overrides().withDrained("us-east4", true));
        assertThat(drained.shares(from(NEW_YORK))).containsEntry("us-east4", 0.0).containsEntry("us-east1", 1.0);
        assertThat(tally(drained, from(NEW_YORK))).doesNotContainKey("us-east4");
        assertThat(drained.explain(from(NEW_YORK)).candidates().get(0).weight()).as("effective weight").isZero();

        RoutingPolicy undrained = drained.withOverrides(drained.overrides().withDrained("us-east4", false));
        assertThat(undrained.shares(from(NEW_YORK)).get("us-east4")).as("the override weight is back").isEqualTo(0.75);
        assertThat(policy.table()).isSameAs(undrained.table());
    }

    @Test
    void overridesOfRegionsNoLongerConfiguredAreDropped() {
        RegionOverrides overrides = RegionOverrides.NONE.withWeight("gone", 5).withDrained("gone", true)
                .withWeight("us-east4", 7);
        assertThat(overrides.retainRegions(List.of("us-east4")))
                .isEqualTo(RegionOverrides.NONE.withWeight("us-east4", 7));
    }

    /**
     * Ashburn (us-east4, at the weight given), Moncks Corner (us-east1, 100) and London (100), two
     * healthy endpoints each, default routing: from New York the two US regions are inside one tie band.
     */
    private static RoutingPolicy eastCoastAndLondon(int usEast4Weight) {
        return policy(List.of(
                        region("us-east4", US_EAST4, usEast4Weight, 2),
                        region("us-east1", US_EAST1, 100, 2),
                        region("europe-west2", EUROPE_WEST2, 100, 2)),
                RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY);
    }

    private static RoutingPolicy dialled(RoutingPolicy policy, String region, int percent) {
        return policy.withOverrides(policy.overrides().withDial(region, new RegionDial(percent, percent, true, "sre")));
    }

    @Test
    void dialFiftyOnTheNearestRegionMovesHalfItsShareToTheNextRankedRegion() {
        RoutingPolicy policy = dialled(policy(Regions.threeContinents(), RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY),
                "europe-west2", 50);

        assertThat(policy.shares(from(PARIS)))
                .containsEntry("europe-west2", 0.5)
                .containsEntry("us-east4", 0.5)
                .containsEntry("asia-northeast1", 0.0);
        Map<String, Integer> counts = tally(policy, from(PARIS));
        assertThat(fraction(counts, "europe-west2")).isCloseTo(0.5, within(0.02));
        assertThat(fraction(counts, "us-east4")).as("the next region takes the spill").isCloseTo(0.5, within(0.02));
        RegionCandidate london = policy.explain(from(PARIS)).candidates().get(0);
        assertThat(london.dial()).isEqualTo(50);
        assertThat(london.available()).isTrue();
        assertThat(london.share()).isEqualTo(0.5);
    }

    @Test
    void dialAndPartialHealthMultiply() {
        TestHealth health = new TestHealth();
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = dialled(RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health), "europe-west2", 50);
        health.down(table.region("europe-west2").orElseThrow().endpoints().get(0));

        assertThat(policy.shares(from(PARIS)).get("europe-west2")).as("0.5 × min(1, 1.4 × 1/2)").isCloseTo(0.35, within(1e-9));
        assertThat(policy.shares(from(PARIS)).get("us-east4")).isCloseTo(0.65, within(1e-9));
        assertThat(fraction(tally(policy, from(PARIS)), "europe-west2")).isCloseTo(0.35, within(0.02));
    }

    @Test
    void dialZeroIsNotADrainTheRegionStillTakesTrafficWhenItIsTheLastOneLeft() {
        TestHealth health = new TestHealth();
        RoutingTable table = RoutingTable.build(Regions.threeContinents(), RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = dialled(RoutingPolicy.create(table, RoutingConfig.ofDefaults(), health), "europe-west2", 0);

        assertThat(tally(policy, from(PARIS))).as("others can take it").containsOnlyKeys("us-east4");
        RegionCandidate london = policy.explain(from(PARIS)).candidates().get(0);
        assertThat(london.available()).as("dialled to 0, not drained").isTrue();
        assertThat(london.share()).isZero();

        for (String other : List.of("us-east4", "asia-northeast1")) {
            table.region(other).orElseThrow().endpoints().forEach(health::down);
        }
        assertThat(policy.shares(from(PARIS))).containsEntry("europe-west2", 1.0);
        Map<String, Integer> counts = tally(policy, from(PARIS));
        assertThat(counts).containsOnlyKeys("europe-west2");
        assertThat(policy.decide(from(PARIS)).reason()).as("routed, not panic").isNotEqualTo(Reason.PANIC);
        assertThat(policy.decide(from(OSAKA)).region().name()).as("it takes the spill of the others too")
                .isEqualTo("europe-west2");

        RoutingPolicy rejecting = dialled(RoutingPolicy.create(table, RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT), health),
                "europe-west2", 0);
        assertThat(rejecting.decide(from(PARIS))).as("not rejected: a region can take it").isNotNull();
    }

    @Test
    void aRetryGoesToARegionDialledToZeroOnlyWhenNothingBetterIsLeft() {
        RoutingTable table = RoutingTable.build(List.of(
                        region("europe-west2", EUROPE_WEST2, 100, 2),
                        region("us-east4", US_EAST4, 100, 1)),
                RoutingConfig.ofDefaults(), System::nanoTime);
        RoutingPolicy policy = dialled(RoutingPolicy.create(table, RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY),
                "europe-west2", 0);
        RoutingDecision first = policy.decide(from(PARIS));
        assertThat(first.region().name()).isEqualTo("us-east4");

        RoutingDecision retry = policy.decideRetry(from(PARIS), List.of(first.endpoint()), java.util.Set.of("us-east4"));
        assertThat(retry).isNotNull();
        assertThat(retry.region().name()).as("the dialled region rather than failing the request").isEqualTo("europe-west2");
    }

    @Test
    void dialHundredChangesNothing() {
        RoutingPolicy policy = policy(Regions.threeContinents(), RoutingConfig.ofDefaults(), HealthSignals.ALL_HEALTHY);
        RoutingPolicy hundred = dialled(policy, "europe-west2", 100);

        for (var location : List.of(PARIS, NEW_YORK, OSAKA)) {
            assertThat(hundred.shares(from(location))).isEqualTo(policy.shares(from(location)));
            assertThat(hundred.explain(from(location)).candidates())
                    .usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(policy.explain(from(location)).candidates());
        }
    }

    @Test
    void dialsOfRegionsNoLongerConfiguredAreDropped() {
        RegionOverrides overrides = RegionOverrides.NONE.withDial("gone", new RegionDial(10, 10, true, "sre"))
                .withDial("us-east4", new RegionDial(20, 100, false, "slo-controller"));
        assertThat(overrides.retainRegions(List.of("us-east4")).dials()).containsOnlyKeys("us-east4");
        assertThat(overrides.dial("unknown")).isEqualTo(RegionDial.DEFAULT);
    }
}
