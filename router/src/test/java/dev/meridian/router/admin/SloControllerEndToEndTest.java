package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.regions.RegionDial;
import dev.meridian.router.admin.SloBurnFixture.Load;
import dev.meridian.router.controller.SloController;
import dev.meridian.testing.TestUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller on a real router with real sockets and short windows (2 s and 4 s, an evaluation
 * every 250 ms): region {@code a}'s gateway fails 20 % of its attempts, which retries hide from
 * the clients, and region {@code b} takes the spill.
 */
class SloControllerEndToEndTest {

    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void inActModeABurningRegionIsTurnedDownItsShareFallsAndTheDialReturnsAfterTheFault() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b");
                AdminFixture f = AdminFixture.start(dir, SloBurnFixture.config(a.port(), b.port(), "act"));
                Load load = new Load(f.router.port(), 50)) {
            await().atMost(SETTLE).until(() -> load.answers("a") > 50);
            assertThat(load.share("a")).as("before the fault, every request goes to the first region").isEqualTo(1.0);

            SloBurnFixture.failing(a, true);
            await().atMost(SETTLE).until(() -> f.admin.dials().dial("a").percent() < 100);
            RegionDial turned = f.admin.dials().dial("a");
            assertThat(turned.setBy()).isEqualTo(SloController.ACTOR);
            assertThat(turned.pinned()).isFalse();
            assertThat(turned.baseline()).isEqualTo(100);

            assertThat(routingShare(f, "a")).as("a's traffic share falls").isLessThanOrEqualTo(0.5);
            load.reset();
            await().atMost(SETTLE).untilAsserted(() -> {
                assertThat(load.answered.get()).isGreaterThan(100);
                assertThat(load.share("a")).as("and so do its answers").isLessThan(0.6);
            });
            assertThat(load.errors.get()).as("retries hide the 503s from the clients: %s", load.lastError).isZero();

            await().atMost(SETTLE).until(() -> controllerReport(f).path("decisions").size() > 0); // published after the turn
            JsonNode report = controllerReport(f);
            assertThat(report.path("mode").asText()).isEqualTo("act");
            assertThat(report.path("state").asText()).isEqualTo("leading");
            JsonNode first = last(report.path("decisions"));
            assertThat(first.path("region").asText()).isEqualTo("a");
            assertThat(first.path("action").asText()).isEqualTo("down");
            assertThat(first.path("result").asText()).isEqualTo("applied");
            assertThat(first.path("burn").path("availability").path("short").asDouble()).isGreaterThan(14.4);

            List<JsonNode> audit = f.auditLines().stream().map(SloControllerEndToEndTest::parse)
                    .filter(line -> line.path("token").asText().equals(SloController.ACTOR)).toList();
            assertThat(audit).as("every turn is an audited admin change by slo-controller").isNotEmpty();
            assertThat(audit.get(0).path("details").path("burn").path("availability").path("long").asDouble()).isGreaterThan(14.4);
            assertThat(audit.get(0).path("details").path("inputs").path("short").path("failures").asLong()).isPositive();

            JsonNode explain = AdminFixture.json(f.get("/admin/explain?ip=203.0.113.7", AdminFixture.READ_TOKEN));
            assertThat(explain.toString()).as("explain shows the controller's view").contains("\"controller\"");

            SloBurnFixture.failing(a, false);
            await().atMost(SETTLE).until(() -> f.admin.dials().dial("a").percent() == 100);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(controllerReport(f).path("decisions").get(0).path("to").asInt())
                    .isEqualTo(100));
            assertThat(controllerReport(f).path("decisions").get(0).path("action").asText()).isEqualTo("up");
        }
    }

    @Test
    void inAdviseModeNothingMovesButTheAdviceIsVisible() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b");
                AdminFixture f = AdminFixture.start(dir, SloBurnFixture.config(a.port(), b.port(), "advise"));
                Load load = new Load(f.router.port(), 50)) {
            SloBurnFixture.failing(a, true);
            await().atMost(SETTLE).untilAsserted(() -> {
                JsonNode a1 = controllerReport(f).path("regions").path("a");
                assertThat(a1.path("next").path("action").asText()).isEqualTo("down");
                assertThat(a1.path("next").path("to").asInt()).isEqualTo(50);
            });
            JsonNode report = controllerReport(f);
            assertThat(report.path("decisions").get(0).path("result").asText()).isEqualTo("advised");
            assertThat(f.admin.dials().dial("a")).isEqualTo(RegionDial.DEFAULT);
            assertThat(f.auditLines()).noneMatch(line -> line.contains(SloController.ACTOR));
            assertThat(f.get("/metrics", AdminFixture.READ_TOKEN).body())
                    .contains("meridian_controller_mode{mode=\"advise\"} 1.0")
                    .contains("meridian_controller_decisions_total{action=\"down\",region=\"a\",result=\"advised\"}");
            assertThat(routingShare(f, "a")).as("no traffic moved: %s", f.regions()).isEqualTo(1.0);
            assertThat(load.errors.get()).as("retries hide the 503s from the clients: %s", load.lastError).isZero();
        }
    }

    @Test
    void aDialAnSreSetIsKept() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b");
                AdminFixture f = AdminFixture.start(dir, SloBurnFixture.config(a.port(), b.port(), "act"));
                Load load = new Load(f.router.port(), 50)) {
            assertThat(f.write("PUT", "/admin/regions/a/dial", "{\"percent\": 80}").statusCode()).isEqualTo(200);
            SloBurnFixture.failing(a, true);
            await().atMost(SETTLE).untilAsserted(() -> {
                JsonNode region = controllerReport(f).path("regions").path("a");
                assertThat(region.path("burn").path("availability").path("long").asDouble()).as("it burns").isGreaterThan(14.4);
                assertThat(region.path("next").path("reason").asText()).as("and yet").startsWith("pinned by sre");
            });
            assertThat(f.admin.dials().dial("a")).isEqualTo(new RegionDial(80, 80, true, "sre"));
            assertThat(routingShare(f, "a")).as("only the SRE's dial spills").isEqualTo(0.8);
            assertThat(load.errors.get()).isZero();
        }
    }

    private static JsonNode controllerReport(AdminFixture f) {
        return AdminFixture.json(f.get("/admin/controller", AdminFixture.READ_TOKEN));
    }

    /** The share of new requests the routing policy gives {@code region} now ({@code /admin/regions}). */
    private static double routingShare(AdminFixture f, String region) {
        return AdminFixture.region(f.regions(), region).path("share").asDouble();
    }

    private static JsonNode last(JsonNode array) {
        return array.get(array.size() - 1);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }
}
