package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.admin.SloBurnFixture.Load;
import dev.meridian.router.controller.SloController;
import dev.meridian.router.state.EtcdCluster;
import dev.meridian.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller in a fleet of two routers sharing a real etcd cluster on loopback: one is
 * elected and decides from both instances' counters, the other follows; the other takes over when
 * the leader stops; with etcd gone, nobody decides and each says so.
 */
class SloControllerFleetTest {

    /** The leader's lease is 5 s; a heartbeat a second; and a busy machine. */
    private static final Duration TAKEOVER = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofSeconds(40);

    private static EtcdCluster etcd;

    @TempDir
    Path dir;
    private String prefix;
    private final List<AdminFixture> routers = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        etcd = EtcdCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void freshPrefix(TestInfo test) {
        prefix = "/meridian/controller-" + test.getTestMethod().orElseThrow().getName() + "/";
        etcd.startAll();
    }

    @AfterEach
    void stopRouters() {
        routers.forEach(AdminFixture::close);
        routers.clear();
    }

    private AdminFixture router(String name, TestUpstream a, TestUpstream b) throws Exception {
        return router(name, a, b, "act");
    }

    private AdminFixture router(String name, TestUpstream a, TestUpstream b, String mode) throws Exception {
        return router(name, a, b, mode, etcd.clientUrls());
    }

    private AdminFixture router(String name, TestUpstream a, TestUpstream b, String mode, List<String> members) throws Exception {
        Path home = dir.resolve(name);
        Files.createDirectories(home);
        AdminFixture router = AdminFixture.start(home, SloBurnFixture.config(a.port(), b.port(), mode).fleet(members, prefix));
        routers.add(router);
        return router;
    }

    private static JsonNode report(AdminFixture router) {
        return AdminFixture.json(router.get("/admin/controller", AdminFixture.READ_TOKEN));
    }

    private static String state(AdminFixture router) {
        return report(router).path("state").asText();
    }

    @Test
    void oneInstanceLeadsFromTheFleetsCountersTheOtherFollowsAndTakesOverWhenTheLeaderStops() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b")) {
            AdminFixture one = router("one", a, b);
            AdminFixture two = router("two", a, b);
            await().atMost(TAKEOVER).untilAsserted(() -> assertThat(List.of(state(one), state(two)))
                    .containsExactlyInAnyOrder("leading", "following"));
            AdminFixture leader = state(one).equals("leading") ? one : two;
            AdminFixture follower = leader == one ? two : one;
            for (AdminFixture router : List.of(one, two)) {
                assertThat(report(router).path("instance").asText()).as("the controller is the instance /admin/fleet lists")
                        .isEqualTo(selfId(router));
            }
            await().atMost(TAKEOVER).untilAsserted(() -> assertThat(report(follower).path("leader").asText())
                    .isEqualTo(report(leader).path("leader").asText())
                    .startsWith(report(leader).path("instance").asText()));

            // Only the follower carries traffic: the leader sees the burn through the published counters.
            try (Load load = new Load(follower.router.port(), 50)) {
                SloBurnFixture.failing(a, true);
                await().atMost(SETTLE).until(() -> leader.admin.dials().dial("a").percent() < 100);
                await().atMost(SETTLE).until(() -> follower.admin.dials().dial("a").percent() < 100);
                assertThat(follower.admin.dials().dial("a").setBy()).isEqualTo(SloController.ACTOR);
                assertThat(load.errors.get()).isZero();
            }
            // Each step was taken once, by whichever instance led at the time (on a busy machine
            // the leadership may move during the test): no two instances took the same step.
            await().atMost(SETTLE).untilAsserted(() -> assertThat(appliedSteps(leader, follower))
                    .contains("a 100->50").doesNotHaveDuplicates());

            leader.close();
            routers.remove(leader);
            await().atMost(TAKEOVER).until(() -> state(follower).equals("leading"));
        }
    }

    @Test
    void withEtcdGoneTheControllerPausesAndSaysSo() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b")) {
            AdminFixture one = router("one", a, b);
            await().atMost(TAKEOVER).until(() -> state(one).equals("leading"));

            etcd.stopAll();
            await().atMost(TAKEOVER).untilAsserted(() -> {
                JsonNode report = report(one);
                assertThat(report.path("state").asText()).isEqualTo("paused");
                assertThat(report.path("problem").asText()).contains("etcd");
            });
            assertThat(one.get("/metrics", AdminFixture.READ_TOKEN).body()).contains("meridian_controller_paused 1.0");

            etcd.startAll();
            await().atMost(SETTLE).until(() -> state(one).equals("leading"));
        }
    }

    @Test
    void aLeaderCutOffFromEtcdPausesAndAnotherTakesOverWithinTheLease() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b")) {
            AdminFixture cut = router("cut", a, b, "act", List.of(etcd.clientUrl(0)));
            await().atMost(TAKEOVER).until(() -> state(cut).equals("leading"));
            AdminFixture other = router("other", a, b, "act", List.of(etcd.clientUrl(1), etcd.clientUrl(2)));
            await().atMost(TAKEOVER).until(() -> state(other).equals("following"));

            etcd.stop(0); // the other two members keep quorum; the leader can no longer renew its lease
            long stopped = System.nanoTime();
            await().atMost(TAKEOVER).until(() -> state(other).equals("leading"));
            assertThat(Duration.ofNanos(System.nanoTime() - stopped))
                    .as("within the lease (5 s), a heartbeat and an evaluation, on a busy machine")
                    .isLessThan(Duration.ofSeconds(15));
            assertThat(state(cut)).as("the old leader decides nothing meanwhile").isEqualTo("paused");
        }
    }

    @Test
    void anInstanceWhoseControllerIsOffNeverLeads() throws Exception {
        try (TestUpstream a = SloBurnFixture.gateway("a"); TestUpstream b = SloBurnFixture.gateway("b")) {
            AdminFixture off = router("off", a, b, "off");
            AdminFixture on = router("on", a, b, "act");
            await().atMost(TAKEOVER).until(() -> state(on).equals("leading"));
            assertThat(state(off)).isEqualTo("off");
            assertThat(one(off.get("/metrics", AdminFixture.READ_TOKEN).body(), "meridian_controller_leader "))
                    .isEqualTo("meridian_controller_leader 0.0");
        }
    }

    /** The id {@code GET /admin/fleet} gives the instance that answers. */
    private static String selfId(AdminFixture router) {
        for (JsonNode instance : AdminFixture.json(router.get("/admin/fleet", AdminFixture.READ_TOKEN)).path("instances")) {
            if (instance.path("self").asBoolean()) {
                return instance.path("id").asText();
            }
        }
        throw new AssertionError("no instance marked self in /admin/fleet of " + router);
    }

    /** The dial steps each router's controller applied, as "region from->to". */
    private static List<String> appliedSteps(AdminFixture... routers) {
        List<String> steps = new ArrayList<>();
        for (AdminFixture router : routers) {
            for (JsonNode decision : report(router).path("decisions")) {
                if (decision.path("result").asText().equals("applied")) {
                    steps.add(decision.path("region").asText() + " " + decision.path("from").asInt() + "->"
                            + decision.path("to").asInt());
                }
            }
        }
        return steps;
    }

    private static String one(String scrape, String prefix) {
        return scrape.lines().filter(line -> line.startsWith(prefix)).findFirst().orElse("");
    }
}
