package dev.meridian.router.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.config.ControllerMode;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.SloControllerConfig;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link SloController} driven by hand: a fake {@link DialActuator}, counters in a simple
 * registry, an injected clock, {@link SloController#evaluate()} called directly.
 */
class SloControllerTest {

    private static final Duration TICK = Duration.ofSeconds(1);

    /**
     * Dials in a map; every turn recorded; a pinned dial refused as the router refuses it, and so
     * is a region in {@code pinnedMeanwhile} (an SRE pinned it after the controller read the dials).
     */
    private static final class FakeDials implements DialActuator {
        final Map<String, RegionDial> dials = new ConcurrentHashMap<>();
        final Set<String> pinnedMeanwhile = ConcurrentHashMap.newKeySet();
        final List<Map<String, Object>> turns = new ArrayList<>();

        @Override
        public Map<String, RegionDial> dials() {
            return Map.copyOf(dials);
        }

        @Override
        public CompletableFuture<Long> turn(String region, int percent, String actor, Map<String, Object> details) {
            RegionDial dial = dials.getOrDefault(region, RegionDial.DEFAULT);
            if (dial.pinned() || pinnedMeanwhile.contains(region)) {
                return CompletableFuture.failedFuture(new Refused("pinned"));
            }
            dials.put(region, new RegionDial(percent, dial.baseline(), false, actor));
            turns.add(Map.of("region", region, "percent", percent, "actor", actor, "details", details));
            return CompletableFuture.completedFuture((long) turns.size());
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeDials dials = new FakeDials();
    private final AtomicLong nanos = new AtomicLong();
    private MeridianConfig config = MeridianConfig.ofDefaults(List.of(
            new RegionConfig("a", new GeoPoint(51.5, -0.1), 100, List.of(URI.create("http://127.0.0.1:1"))),
            new RegionConfig("b", new GeoPoint(48.9, 2.3), 100, List.of(URI.create("http://127.0.0.1:2"))),
            new RegionConfig("c", new GeoPoint(35.7, 139.7), 100, List.of(URI.create("http://127.0.0.1:3")))))
            .toBuilder()
            .sloController(SloControllerConfig.ofDefaults().withMode(ControllerMode.ACT)
                    .withTiming(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5), TICK)
                    .withMinAttempts(10))
            .build();

    private SloController controller(ControllerFleet fleet) {
        Clock clock = Clock.fixed(Instant.parse("2026-12-06T09:00:00Z"), ZoneOffset.UTC);
        return new SloController(() -> config, () -> RegionOverrides.NONE, registry, dials, fleet, nanos::get, clock);
    }

    /** One second of traffic: {@code attempts} attempts to {@code region}, {@code failures} of them failed. */
    private void traffic(String region, int attempts, int failures) {
        Counter.builder(SliSampler.ATTEMPTS).tags("region", region, "route", "default", "outcome", "success")
                .register(registry).increment(attempts - failures);
        Counter.builder(SliSampler.ATTEMPTS).tags("region", region, "route", "default", "outcome", "gateway_failure")
                .register(registry).increment(failures);
        Counter.builder(SliSampler.APDEX).tags("region", region, "route", "default", "zone", "satisfied")
                .register(registry).increment(attempts - failures);
    }

    private void seconds(SloController controller, int n, int failuresPer100OfA) {
        for (int i = 0; i < n; i++) {
            traffic("a", 100, failuresPer100OfA);
            traffic("b", 100, 0);
            traffic("c", 100, 0);
            nanos.addAndGet(TICK.toNanos());
            controller.evaluate();
        }
    }

    @Test
    void inActModeTheDialIsTurnedAsTheControllerWithTheInputsInTheAuditDetails() {
        SloController controller = controller(ControllerFleet.single("me"));
        seconds(controller, 3, 20);

        assertThat(dials.dials.get("a")).isEqualTo(new RegionDial(50, 100, false, SloController.ACTOR));
        assertThat(dials.turns).hasSize(1);
        @SuppressWarnings("unchecked") // the details map the controller built
        Map<String, Object> details = (Map<String, Object>) dials.turns.get(0).get("details");
        assertThat(details).containsEntry("action", "down").containsEntry("from", 100).containsEntry("to", 50)
                .containsKeys("inputs", "burn", "reason", "burnThreshold");
        assertThat(controller.report().path("decisions").get(0).path("result").asText()).isEqualTo("applied");
        assertThat(controller.report().path("regions").path("b").path("next").path("action").asText()).isEqualTo("hold");
        assertThat(controller.explain("a").path("burn").path("availability").path("short").asDouble()).isGreaterThan(14.4);
        assertThat(registry.get("meridian.controller.turned.down").tag("region", "a").gauge().value()).isEqualTo(1);
        controller.close();
    }

    @Test
    void inAdviseModeNothingIsTurnedAndTheAdviceIsCountedOnce() {
        config = config.toBuilder().sloController(config.sloController().withMode(ControllerMode.ADVISE)).build();
        SloController controller = controller(ControllerFleet.single("me"));
        seconds(controller, 6, 20);

        assertThat(dials.turns).isEmpty();
        assertThat(controller.report().path("regions").path("a").path("next").path("to").asInt()).isEqualTo(50);
        assertThat(registry.get("meridian.controller.decisions").tags("region", "a", "result", "advised").counter().count())
                .isEqualTo(1);
        controller.close();
    }

    @Test
    void aDialPinnedWhenReadIsNotTried() {
        dials.dials.put("a", new RegionDial(100, 100, true, "sre"));
        SloController controller = controller(new Fleet(ControllerFleet.Role.LEADER));
        seconds(controller, 3, 20);

        assertThat(dials.dials.get("a").pinned()).isTrue();
        assertThat(controller.report().path("regions").path("a").path("next").path("reason").asText()).startsWith("pinned by sre");
        assertThat(registry.find("meridian.controller.decisions").counters()).as("no turn was tried").isEmpty();
        controller.close();
    }

    @Test
    void aRefusedTurnIsCountedAsRefusedAndTheDialStays() {
        dials.pinnedMeanwhile.add("a");
        SloController controller = controller(new Fleet(ControllerFleet.Role.LEADER));
        seconds(controller, 3, 20);

        assertThat(dials.turns).isEmpty();
        assertThat(dials.dials()).doesNotContainKey("a");
        assertThat(registry.get("meridian.controller.decisions").tags("region", "a", "action", "down", "result", "refused")
                .counter().count()).as("each evaluation that decided down tried and was refused").isEqualTo(2);
        JsonNode last = controller.report().path("decisions").get(0);
        assertThat(last.path("result").asText()).isEqualTo("refused");
        assertThat(last.path("problem").asText()).isEqualTo("pinned");
        assertThat(registry.get("meridian.controller.turned.down").tag("region", "a").gauge().value()).isEqualTo(0);
        controller.close();
    }

    @Test
    void aFollowerDecidesNothingAndAPausedInstanceSaysWhy() {
        dials.dials.put("b", new RegionDial(40, 100, false, SloController.ACTOR)); // the leader turned it down
        Fleet fleet = new Fleet(ControllerFleet.Role.FOLLOWER);
        SloController controller = controller(fleet);
        seconds(controller, 5, 20);
        assertThat(dials.turns).isEmpty();
        assertThat(controller.report().path("state").asText()).isEqualTo("following");
        assertThat(registry.get("meridian.controller.turned.down").tag("region", "b").gauge().value())
                .as("a follower shows the dials the controller holds down").isEqualTo(1);
        assertThat(registry.get("meridian.controller.turned.down").tag("region", "a").gauge().value()).isEqualTo(0);

        fleet.role = ControllerFleet.Role.PAUSED;
        seconds(controller, 1, 20);
        assertThat(controller.report().path("state").asText()).isEqualTo("paused");
        assertThat(controller.report().path("problem").asText()).isEqualTo("etcd is away");
        assertThat(registry.get("meridian.controller.paused").gauge().value()).isEqualTo(1);
        controller.close();
    }

    @Test
    void theSpillGoesToTheNearestRegionThatTakesTraffic() {
        RegionConfig london = config.region("a");
        assertThat(SloController.spillTargets(config, RegionOverrides.NONE, london)).containsExactly("b");
        assertThat(SloController.spillTargets(config, RegionOverrides.NONE.withDrained("b", true), london)).containsExactly("c");
    }

    /** A fleet whose role the test sets; counters pass through. */
    private static final class Fleet implements ControllerFleet {
        volatile Role role;

        Fleet(Role role) {
            this.role = role;
        }

        @Override
        public View tick(Map<String, SliCounters> local) {
            @Nullable String problem = role == Role.PAUSED ? "etcd is away" : null;
            return new View(role, "me", "leader-1", role == Role.LEADER ? local : Map.of(), problem);
        }

        @Override
        public void standBy() {
            role = Role.FOLLOWER;
        }

        @Override
        public String kind() {
            return "test";
        }

        @Override
        public void close() {}
    }
}
