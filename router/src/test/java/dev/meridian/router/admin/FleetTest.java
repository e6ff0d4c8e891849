package dev.meridian.router.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.router.state.EtcdCluster;
import dev.meridian.testing.TestUpstream;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Routers sharing their admin state through a real three-member etcd cluster on loopback: a
 * change made on one instance reaches the others, etcd decides racing writes, and every way etcd
 * can be unwell leaves routing alone. Each test uses its own key prefix, so one cluster serves all.
 */
class FleetTest {

    private static final Duration PROPAGATION = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AutoClose
    private static EtcdCluster etcd;
    @AutoClose
    private static TestUpstream east;
    @AutoClose
    private static TestUpstream central;

    @TempDir
    Path dir;
    private String prefix;
    private final List<AdminFixture> routers = new ArrayList<>();
    private ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void startCluster() throws Exception {
        etcd = EtcdCluster.start(3);
        east = TestUpstream.http1("east", null);
        central = TestUpstream.http1("central", null);
    }

    @BeforeEach
    void freshPrefix(TestInfo test) {
        prefix = "/meridian/test-" + test.getTestMethod().orElseThrow().getName() + "/";
        etcd.startAll(); // a test that stopped members leaves the next one a whole cluster
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(EtcdStateStore.class)).addAppender(logs);
    }

    @AfterEach
    void stopRouters() {
        ((Logger) LoggerFactory.getLogger(EtcdStateStore.class)).detachAppender(logs);
        routers.forEach(AdminFixture::close);
        routers.clear();
    }

    // ---- set-up ----

    private String config(List<String> endpoints, String instance) {
        return AdminFixture.fixture()
                .fleet(endpoints, prefix)
                .regionAt("us-east4", List.of(east.url(false)))
                .regionAt("us-central1", List.of(central.url(false)))
                .build().yaml();
    }

    /** A router of the fleet in {@code dir/name}, talking to {@code endpoints} (all members by default). */
    private AdminFixture router(String name, List<String> endpoints) throws Exception {
        Path home = dir.resolve(name);
        Files.createDirectories(home);
        AdminFixture router = AdminFixture.start(home, config(endpoints, name));
        routers.add(router);
        return router;
    }

    private AdminFixture router(String name) throws Exception {
        return router(name, etcd.clientUrls());
    }

    private static HttpResponse<String> putWeight(AdminFixture router, String region, int weight, String... headers) {
        return router.write("PUT", "/admin/regions/" + region + "/weight", "{\"weight\": " + weight + "}", headers);
    }

    /** Drains us-east4 through {@code a} and waits until {@code b} routes by it. */
    private static void drainEast4AndAwaitIt(AdminFixture a, AdminFixture b) {
        assertThat(a.write("POST", "/admin/regions/us-east4/drain", null).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 0);
    }

    private static int effectiveWeight(AdminFixture router, String region) {
        return AdminFixture.region(router.regions(), region).path("effectiveWeight").asInt();
    }

    private static long revision(AdminFixture router) {
        return router.regions().path("revision").asLong();
    }

    /** Which region served a request through {@code router}'s proxy (the {@code X-Meridian-Region} header). */
    private static String servedBy(AdminFixture router) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.router.port() + "/v2/code/completions"))
                .timeout(Duration.ofSeconds(10)).header("X-Client-Geo-Location", "40.71,-74.01")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("proxied request: %s", response.body()).isEqualTo(200);
        return response.headers().firstValue("X-Meridian-Region").orElseThrow();
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private Map<String, KeyValue> keys() throws Exception {
        Map<String, KeyValue> out = new HashMap<>();
        for (KeyValue kv : etcd.client().getKVClient().get(ByteSequence.from(prefix, UTF_8),
                GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs()) {
            out.put(kv.getKey().toString(UTF_8).substring(prefix.length()), kv);
        }
        return out;
    }

    // ---- tests ----

    @Test
    void aChangeOnOneInstanceIsAppliedByEveryInstanceWithTheSameRevision() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        AdminFixture c = router("c");

        HttpResponse<String> put = putWeight(a, "us-east4", 40, "If-Match", "\"" + revision(a) + "\"");

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        long written = AdminFixture.json(put).path("revision").asLong();
        assertThat(put.headers().firstValue("ETag")).contains("\"" + written + "\"");
        for (AdminFixture other : List.of(b, c)) {
            await().atMost(PROPAGATION).untilAsserted(() -> {
                assertThat(effectiveWeight(other, "us-east4")).isEqualTo(40);
                assertThat(revision(other)).as("the store's revision, the same everywhere").isEqualTo(written);
            });
        }
        JsonNode regions = b.regions();
        assertThat(regions.path("store").path("kind").asText()).isEqualTo("etcd");
        assertThat(regions.path("store").path("state").asText()).isEqualTo("up");
        assertThat(regions.path("stale").asBoolean()).isFalse();
        await().atMost(PROPAGATION).untilAsserted(() -> {
            JsonNode fleet = AdminFixture.json(c.get("/admin/fleet", AdminFixture.READ_TOKEN));
            assertThat(fleet.path("instances")).hasSize(3);
            assertThat(fleet.path("converged").asBoolean()).isTrue();
            assertThat(fleet.path("instances").findValues("appliedRevision")).allMatch(r -> r.asLong() == written);
            assertThat(fleet.path("instances").findValues("self").stream().filter(JsonNode::asBoolean)).hasSize(1);
        });
        JsonNode audit = AdminFixture.json(c.get("/admin/audit?limit=5", AdminFixture.READ_TOKEN));
        assertThat(audit.path("source").asText()).isEqualTo("etcd");
        JsonNode newest = audit.path("changes").get(0);
        assertThat(newest.path("action").asText()).isEqualTo("weight");
        assertThat(newest.path("region").asText()).isEqualTo("us-east4");
        assertThat(newest.path("after").path("weight").asInt()).isEqualTo(40);
        assertThat(newest.path("before").path("weight").asInt()).isEqualTo(100);
        assertThat(newest.path("revision").asLong()).isEqualTo(written);
        assertThat(newest.path("token").asText()).isEqualTo("sre");
        assertThat(newest.path("instance").asText()).isNotEmpty();
        assertThat(a.auditLines()).as("the instance's own audit file too").hasSize(1);
        String metrics = b.get("/metrics", AdminFixture.READ_TOKEN).body();
        assertThat(metrics).contains("meridian_state_store_up{fleet=\"" + prefix + "\",store=\"etcd\"} 1.0")
                .contains("meridian_state_revision{fleet=\"" + prefix + "\",store=\"etcd\"} " + written + ".0")
                .contains("meridian_state_apply_lag_seconds_count{fleet=\"" + prefix + "\",store=\"etcd\"}");
    }

    @Test
    void aDialTurnedOnOneInstanceIsAppliedByEveryInstanceAndTheControllerEntryPointGoesThroughEtcd() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        assertThat(servedBy(b)).isEqualTo("us-east4");

        HttpResponse<String> put = a.write("PUT", "/admin/regions/us-east4/dial", "{\"percent\": 0}",
                "If-Match", "\"" + revision(a) + "\"");

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        long written = AdminFixture.json(put).path("revision").asLong();
        await().atMost(PROPAGATION).untilAsserted(() -> {
            assertThat(AdminFixture.region(b.regions(), "us-east4").path("dial").toString())
                    .isEqualTo("{\"percent\":0,\"baseline\":0,\"pinned\":true,\"set_by\":\"sre\"}");
            assertThat(revision(b)).isEqualTo(written);
        });
        for (int i = 0; i < 5; i++) {
            assertThat(servedBy(b)).as("dial 0: the next region takes it all").isEqualTo("us-central1");
        }
        assertThat(keys().get("state/regions/us-east4").getValue().toString(UTF_8)).contains("\"dial\":{\"percent\":0,");
        assertThat(b.write("PUT", "/admin/regions/us-east4/dial", "{\"percent\": 20}", "If-Match", "\"" + (written - 1) + "\"")
                .statusCode()).as("If-Match is checked by the store").isEqualTo(412);

        RegionDials dials = b.admin.dials();
        assertThat(dials.turnDial("us-east4", 50, RegionDials.SLO_CONTROLLER, Map.of("burnRate1h", 20.0))
                .handle((revision, error) -> error).get(10, TimeUnit.SECONDS))
                .as("pinned in etcd by an SRE on another instance")
                .isInstanceOfSatisfying(RegionDials.Refused.class,
                        r -> assertThat(r.reason()).isEqualTo(RegionDials.Refused.Reason.PINNED));
        a.write("PUT", "/admin/regions/us-east4/dial", "{\"percent\": 80, \"pinned\": false}");
        await().atMost(PROPAGATION).until(() -> !dials.dial("us-east4").pinned());
        long turned = dials.turnDial("us-east4", 40, RegionDials.SLO_CONTROLLER, Map.of("burnRate1h", 20.0)).get(10, TimeUnit.SECONDS);

        await().atMost(PROPAGATION).untilAsserted(() -> {
            assertThat(revision(a)).isEqualTo(turned);
            assertThat(a.router.overrides().dial("us-east4"))
                    .isEqualTo(new dev.meridian.regions.RegionDial(40, 80, false, RegionDials.SLO_CONTROLLER));
        });
        JsonNode newest = AdminFixture.json(a.get("/admin/audit?limit=1", AdminFixture.READ_TOKEN)).path("changes").get(0);
        assertThat(newest.path("token").asText()).isEqualTo("slo-controller");
        assertThat(newest.path("details").path("burnRate1h").asDouble()).isEqualTo(20.0);
        assertThat(a.get("/metrics", AdminFixture.READ_TOKEN).body()).contains("meridian_region_dial_ratio{region=\"us-east4\"} 0.4");

        AdminFixture c = router("c");
        assertThat(c.router.overrides().dial("us-east4").percent()).as("a new instance starts from etcd").isEqualTo(40);
    }

    @Test
    void ofTwoWritersRacingWithTheSameIfMatchOnTwoInstancesExactlyOneWins() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        for (int round = 0; round < 15; round++) {
            // Both instances on the same revision first. (Reading a's and waiting for b to reach it
            // raced: the last round's undrain went through b, so a could still be one behind b.)
            long[] agreed = {-1};
            await().atMost(PROPAGATION).until(() -> {
                long seenByA = revision(a);
                agreed[0] = seenByA;
                return seenByA == revision(b);
            });
            long seen = agreed[0];
            CountDownLatch go = new CountDownLatch(1);
            int weight = 10 + round;
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                awaitLatch(go);
                return putWeight(a, "us-east4", weight, "If-Match", "\"" + seen + "\"");
            });
            CompletableFuture<HttpResponse<String>> second = CompletableFuture.supplyAsync(() -> {
                awaitLatch(go);
                return b.write("POST", "/admin/regions/us-central1/drain", null, "If-Match", "\"" + seen + "\"");
            });
            go.countDown();
            List<Integer> statuses = List.of(first.get(30, TimeUnit.SECONDS).statusCode(), second.get(30, TimeUnit.SECONDS).statusCode());

            assertThat(statuses).as("round %d", round).containsExactlyInAnyOrder(200, 412);
            // Put things back for the next round (without a condition).
            b.write("POST", "/admin/regions/us-central1/undrain", null);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        awaitLatch(latch, Duration.ofSeconds(10));
    }

    /** Waits for {@code latch} at most {@code atMost}; an interrupt ends the wait and is kept for the caller. */
    private static void awaitLatch(CountDownLatch latch, Duration atMost) {
        try {
            latch.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDrainOnOneInstanceMovesTheTrafficOfTheOthers() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        assertThat(servedBy(b)).as("New York goes to the nearest region").isEqualTo("us-east4");

        HttpResponse<String> drain = a.write("POST", "/admin/regions/us-east4/drain", "{\"reason\": \"INC-1\"}");
        assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);

        await().atMost(PROPAGATION).untilAsserted(() -> assertThat(servedBy(b)).isEqualTo("us-central1"));
        for (int i = 0; i < 20; i++) {
            assertThat(servedBy(b)).isEqualTo("us-central1");
        }
        a.write("POST", "/admin/regions/us-east4/undrain", null);
        await().atMost(PROPAGATION).untilAsserted(() -> assertThat(servedBy(b)).isEqualTo("us-east4"));
    }

    @Test
    void aMinorityOfMembersDownAtStartAndLaterChangesNothingVisible() throws Exception {
        etcd.kill(2);
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        assertThat(a.regions().path("store").path("state").asText()).isEqualTo("up");
        assertThat(putWeight(a, "us-east4", 30).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 30);

        etcd.restart(2);
        etcd.kill(etcd.leader()); // a different minority, the leader this time
        assertThat(putWeight(b, "us-east4", 60).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(a, "us-east4") == 60);
        assertThat(a.regions().path("stale").asBoolean()).isFalse();
        assertThat(b.regions().path("stale").asBoolean()).isFalse();
        assertThat(warnings()).as("nothing to warn about").isEmpty();
    }

    @Test
    void writesWhileTheLeaderIsKilledCommitWholeOrFailClearly() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        List<HttpResponse<String>> answers = new ArrayList<>();
        CompletableFuture<Void> kill = CompletableFuture.runAsync(() -> {
            awaitQuietly(Duration.ofMillis(300));
            etcd.kill(etcd.leader());
        });
        for (int i = 0; i < 40; i++) {
            answers.add(putWeight(a, "us-east4", 100 + i));
        }
        kill.get(30, TimeUnit.SECONDS);

        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
            if (answer.statusCode() == 503) {
                assertThat(AdminFixture.json(answer).path("error").asText()).isEqualTo("state_store_unavailable");
            }
        }
        int lastOk = -1;
        for (int i = 0; i < answers.size(); i++) {
            if (answers.get(i).statusCode() == 200) {
                lastOk = 100 + i;
            }
        }
        assertThat(lastOk).as("most writes succeed with two of three members").isGreaterThanOrEqualTo(100);
        Map<String, KeyValue> keys = keys();
        KeyValue region = keys.get("state/regions/us-east4");
        KeyValue marker = keys.get("state/revision");
        assertThat(region.getModRevision()).as("the region and the revision key are written together, never one alone")
                .isEqualTo(marker.getModRevision());
        assertThat(region.getValue().toString(UTF_8)).contains("\"weight\":" + lastOk);
        int expected = lastOk;
        await().atMost(PROPAGATION).untilAsserted(() -> {
            assertThat(effectiveWeight(a, "us-east4")).isEqualTo(expected);
            assertThat(effectiveWeight(b, "us-east4")).isEqualTo(expected);
            assertThat(revision(b)).isEqualTo(marker.getModRevision());
        });
    }

    private static void awaitQuietly(Duration pause) {
        awaitLatch(new CountDownLatch(1), pause);
    }

    @Test
    void withEveryMemberDownRoutingGoesOnReadsAreStaleAndWritesAnswer503() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        drainEast4AndAwaitIt(a, b);
        long before = revision(b);

        etcd.stopAll();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode regions = b.regions();
            assertThat(regions.path("store").path("state").asText()).isEqualTo("unavailable");
            assertThat(regions.path("store").path("since").asText()).isNotEmpty();
            assertThat(regions.path("stale").asBoolean()).isTrue();
        });
        assertThat(revision(b)).isEqualTo(before);
        assertThat(servedBy(b)).as("routing goes on with the last state").isEqualTo("us-central1");
        assertThat(b.get("/ready", null).statusCode()).isEqualTo(200);
        HttpResponse<String> write = putWeight(b, "us-central1", 10);
        assertThat(write.statusCode()).isEqualTo(503);
        assertThat(AdminFixture.json(write).path("error").asText()).isEqualTo("state_store_unavailable");
        assertThat(AdminFixture.json(write).path("detail").asText()).contains("nothing was changed");
        awaitQuietly(Duration.ofSeconds(3)); // several failed heartbeats
        assertThat(warnings().stream().filter(w -> w.contains("does not answer"))).as("one WARN per instance, not one per heartbeat: %s",
                warnings()).hasSize(2);

        etcd.startAll();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(b.regions().path("stale").asBoolean()).isFalse());
        assertThat(a.write("POST", "/admin/regions/us-east4/undrain", null).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 100);
    }

    @Test
    void anInstanceStartedWhileEtcdIsDownStartsFromItsCacheOrTheConfiguration() throws Exception {
        AdminFixture a = router("a");
        assertThat(putWeight(a, "us-east4", 7).statusCode()).isEqualTo(200);
        long revision = revision(a);
        a.close();
        routers.remove(a);
        etcd.stopAll();

        AdminFixture again = AdminFixture.startFrom(dir.resolve("a"), dir.resolve("a/meridian.yaml"));
        routers.add(again);
        AdminFixture fresh = router("fresh");

        assertThat(effectiveWeight(again, "us-east4")).as("from the fleet cache").isEqualTo(7);
        assertThat(revision(again)).isEqualTo(revision);
        assertThat(again.regions().path("stale").asBoolean()).isTrue();
        assertThat(warnings()).anyMatch(w -> w.contains("starting from the fleet cache"));
        assertThat(effectiveWeight(fresh, "us-east4")).as("no cache: the configuration").isEqualTo(100);
        assertThat(warnings()).anyMatch(w -> w.contains("starting from the configuration (no fleet cache yet)"));

        etcd.startAll();
        await().atMost(Duration.ofSeconds(15)).until(() -> effectiveWeight(fresh, "us-east4") == 7);
        assertThat(revision(fresh)).isEqualTo(revision);
    }

    @Test
    void afterACompactionTheLaggingWatchResyncs() throws Exception {
        AdminFixture a = router("a", List.of(etcd.clientUrl(0), etcd.clientUrl(1)));
        AdminFixture b = router("b", List.of(etcd.clientUrl(2)));
        etcd.kill(2); // b alone loses etcd; the cluster keeps its quorum
        for (int i = 1; i <= 5; i++) {
            assertThat(putWeight(a, "us-east4", i).statusCode()).isEqualTo(200);
        }
        etcd.compact();
        etcd.restart(2);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(effectiveWeight(b, "us-east4")).isEqualTo(5);
            assertThat(revision(b)).isEqualTo(revision(a));
        });
        assertThat(b.get("/metrics", AdminFixture.READ_TOKEN).body())
                .containsPattern("meridian_state_watch_restarts_total\\{fleet=\"" + prefix + "\",store=\"etcd\"} [1-9]");
        assertThat(putWeight(a, "us-east4", 77).statusCode()).isEqualTo(200);
        await("the new watch delivers").atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 77);
    }

    @Test
    void wipedKeysBringBackTheConfiguredValuesAndTheMembership() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        drainEast4AndAwaitIt(a, b);

        etcd.wipe(prefix);

        await().atMost(PROPAGATION).untilAsserted(() -> {
            assertThat(effectiveWeight(a, "us-east4")).isEqualTo(100);
            assertThat(effectiveWeight(b, "us-east4")).isEqualTo(100);
        });
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("configured"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(AdminFixture.json(a.get("/admin/fleet", AdminFixture.READ_TOKEN)).path("instances")).hasSize(2));
        assertThat(putWeight(b, "us-east4", 50).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(a, "us-east4") == 50);
    }

    @Test
    void aBadValueUnderThePrefixIsLoggedOnceAndTheRegionKeepsItsState() throws Exception {
        AdminFixture a = router("a");
        AdminFixture b = router("b");
        assertThat(putWeight(a, "us-east4", 25).statusCode()).isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 25);

        var kv = etcd.client().getKVClient();
        kv.put(ByteSequence.from(prefix + "state/regions/us-east4", UTF_8), ByteSequence.from("{not json", UTF_8)).get(5, TimeUnit.SECONDS);
        kv.put(ByteSequence.from(prefix + "state/regions/us-central1", UTF_8), ByteSequence.from("{\"weight\": 5000}", UTF_8))
                .get(5, TimeUnit.SECONDS);
        awaitQuietly(Duration.ofSeconds(3)); // the watch and a few heartbeats have seen both

        assertThat(effectiveWeight(b, "us-east4")).isEqualTo(25);
        assertThat(effectiveWeight(b, "us-central1")).isEqualTo(100);
        List<String> bad = warnings().stream().filter(w -> w.startsWith("ignoring the value of")).toList();
        assertThat(bad).as("once per instance and key, not per heartbeat: %s", bad).hasSize(4);
        assertThat(bad).anyMatch(w -> w.contains(prefix + "state/regions/us-east4") && w.contains("not JSON"))
                .anyMatch(w -> w.contains(prefix + "state/regions/us-central1") && w.contains("weight: 5000"));
        assertThat(putWeight(a, "us-east4", 35).statusCode()).as("a good value replaces it").isEqualTo(200);
        await().atMost(PROPAGATION).until(() -> effectiveWeight(b, "us-east4") == 35);
    }
}
