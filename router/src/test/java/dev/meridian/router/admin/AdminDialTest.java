package dev.meridian.router.admin;

import static dev.meridian.router.admin.AdminFixture.READ_TOKEN;
import static dev.meridian.router.admin.AdminFixture.assertError;
import static dev.meridian.router.admin.AdminFixture.json;
import static dev.meridian.router.admin.AdminFixture.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic dial through the admin API and through {@link RegionDials}, the Java entry point:
 * what a change does to the state, the traffic shares, the audit trail, the state file and the
 * metrics, and every way a change is refused. The fixture's default request (no location) ranks
 * the regions in configuration order, so us-east4 takes all traffic and us-east1 is next.
 */
class AdminDialTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static HttpResponse<String> putDial(AdminFixture admin, String region, String body, String... headers) {
        return admin.write("PUT", "/admin/regions/" + region + "/dial", body, headers);
    }

    private static JsonNode dialOf(AdminFixture admin, String region) {
        return region(admin.regions(), region).path("dial");
    }

    private static JsonNode lastAudit(AdminFixture admin) throws IOException {
        List<String> lines = admin.auditLines();
        assertThat(lines).isNotEmpty();
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    private static double metric(AdminFixture admin, String region) {
        String metrics = admin.get("/metrics", READ_TOKEN).body();
        Matcher m = Pattern.compile("(?m)^meridian_region_dial_ratio\\{region=\"" + region + "\",?\\} (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("meridian_region_dial_ratio of %s in %n%s", region, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static <T> T result(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static RegionDials.Refused refusal(CompletableFuture<Long> future) throws Exception {
        try {
            Long revision = future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a refusal, got revision " + revision);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RegionDials.Refused.class);
            return (RegionDials.Refused) e.getCause();
        }
    }

    @Test
    void aDialSetsPercentAndBaselinePinsAndShowsInRegionsExplainMetricsAndAudit() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(dialOf(admin, "us-east4").toString())
                    .isEqualTo("{\"percent\":100,\"baseline\":100,\"pinned\":false,\"set_by\":null}");
            assertThat(metric(admin, "us-east4")).isEqualTo(1.0);

            HttpResponse<String> response = putDial(admin, "us-east4", "{\"percent\": 50, \"reason\": \"INC-7\"}");

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("ETag")).contains("\"1\"");
            JsonNode dial = region(json(response), "us-east4").path("dial");
            assertThat(dial.toString()).isEqualTo("{\"percent\":50,\"baseline\":50,\"pinned\":true,\"set_by\":\"sre\"}");
            assertThat(dialOf(admin, "us-east4")).isEqualTo(dial);
            assertThat(admin.router.overrides().dial("us-east4")).isEqualTo(new RegionDial(50, 50, true, "sre"));
            assertThat(admin.router.currentShares()).containsEntry("us-east4", 0.5).containsEntry("us-east1", 0.5);
            assertThat(metric(admin, "us-east4")).isEqualTo(0.5);
            assertThat(metric(admin, "us-east1")).isEqualTo(1.0);

            JsonNode explained = json(admin.get("/admin/explain?ip=10.0.0.1", READ_TOKEN));
            JsonNode first = explained.path("candidates").get(0);
            assertThat(first.path("region").asText()).isEqualTo("us-east4");
            assertThat(first.path("dial").asInt()).isEqualTo(50);
            assertThat(first.path("share").asDouble()).isEqualTo(0.5);

            JsonNode audit = lastAudit(admin);
            assertThat(audit.path("action").asText()).isEqualTo("dial");
            assertThat(audit.path("token").asText()).isEqualTo("sre");
            assertThat(audit.path("region").asText()).isEqualTo("us-east4");
            assertThat(audit.path("before").path("dial").path("percent").asInt()).isEqualTo(100);
            assertThat(audit.path("after").path("dial").path("percent").asInt()).isEqualTo(50);
            assertThat(audit.path("after").path("dial").path("pinned").asBoolean()).isTrue();
            assertThat(audit.path("revision").asLong()).isEqualTo(1);
            assertThat(audit.path("reason").asText()).isEqualTo("INC-7");
        }
    }

    @Test
    void dialZeroIsNotADrain() {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            putDial(admin, "us-east4", "{\"percent\": 0}");

            JsonNode east4 = region(admin.regions(), "us-east4");
            assertThat(east4.path("state").asText()).isEqualTo("active");
            assertThat(east4.path("available").asBoolean()).isTrue();
            assertThat(east4.path("share").asDouble()).isZero();
            assertThat(admin.router.currentShares()).containsEntry("us-east1", 1.0);
        }
    }

    @Test
    void pinnedAndUnpinned() {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            putDial(admin, "us-east4", "{\"percent\": 30, \"pinned\": false}");
            assertThat(dialOf(admin, "us-east4").toString())
                    .isEqualTo("{\"percent\":30,\"baseline\":30,\"pinned\":false,\"set_by\":\"sre\"}");

            putDial(admin, "us-east4", "{\"pinned\": true}");
            assertThat(dialOf(admin, "us-east4").toString()).as("pinning alone keeps the percent")
                    .isEqualTo("{\"percent\":30,\"baseline\":30,\"pinned\":true,\"set_by\":\"sre\"}");

            putDial(admin, "us-east4", "{\"percent\": 70}");
            assertThat(dialOf(admin, "us-east4").path("pinned").asBoolean()).as("a percent pins by default").isTrue();

            HttpResponse<String> unpinned = putDial(admin, "us-east4", "{\"pinned\": false}");
            assertThat(region(json(unpinned), "us-east4").path("dial").toString())
                    .isEqualTo("{\"percent\":70,\"baseline\":70,\"pinned\":false,\"set_by\":\"sre\"}");
            assertThat(admin.admin.revision()).isEqualTo(4);

            HttpResponse<String> again = putDial(admin, "us-east4", "{\"pinned\": false}");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(admin.admin.revision()).as("nothing changed: no new revision").isEqualTo(4);
        }
    }

    @Test
    void ifMatchRefusesAStaleRevision() {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(putDial(admin, "us-east4", "{\"percent\": 50}", "If-Match", "\"0\"").statusCode()).isEqualTo(200);

            assertError(putDial(admin, "us-east4", "{\"percent\": 10}", "If-Match", "\"0\""), 412, "precondition_failed",
                    "If-Match: \"0\" is not the current revision 1");
            assertThat(admin.router.overrides().dial("us-east4").percent()).isEqualTo(50);
            assertThat(putDial(admin, "us-east4", "{\"percent\": 10}", "If-Match", "\"1\"").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aDryRunAnswersProjectedSharesAndChangesNothing() throws IOException {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            HttpResponse<String> response = putDial(admin, "us-east4", "{\"percent\": 25}", "If-Match", "\"0\"");
            long revision = admin.admin.revision();
            List<String> audit = admin.auditLines();
            String state = Files.readString(admin.stateFile());

            HttpResponse<String> dry = admin.write("PUT", "/admin/regions/us-east4/dial?dry_run=true", "{\"percent\": 50}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
            JsonNode body = json(dry);
            assertThat(body.path("dryRun").asBoolean()).isTrue();
            assertThat(body.path("action").asText()).isEqualTo("dial");
            assertThat(body.path("before").path("dial").path("percent").asInt()).isEqualTo(25);
            assertThat(body.path("after").path("dial").path("percent").asInt()).isEqualTo(50);
            Map<String, double[]> shares = new HashMap<>();
            body.path("shares").forEach(s -> shares.put(s.path("region").asText(),
                    new double[] {s.path("current").asDouble(), s.path("projected").asDouble()}));
            assertThat(shares.get("us-east4")).containsExactly(new double[] {0.25, 0.5}, within(1e-9));
            assertThat(shares.get("us-east1")).containsExactly(new double[] {0.75, 0.5}, within(1e-9));

            assertThat(admin.admin.revision()).isEqualTo(revision);
            assertThat(admin.router.overrides().dial("us-east4").percent()).isEqualTo(25);
            assertThat(admin.auditLines()).as("a dry run is not a change").isEqualTo(audit);
            assertThat(Files.readString(admin.stateFile())).isEqualTo(state);
            assertError(admin.write("PUT", "/admin/regions/us-east4/dial?dry_run=true", "{\"percent\": 50}", "If-Match", "\"0\""),
                    412, "precondition_failed", "not the current revision 1");
        }
    }

    @Test
    void badInputIsRefusedWithWhatIsWrong() {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertError(putDial(admin, "us-east4", "{\"percent\": 101}"), 400, "invalid_dial",
                    "percent: 101 is out of range (expected 0..100)");
            assertError(putDial(admin, "us-east4", "{\"percent\": -1}"), 400, "invalid_dial",
                    "percent: -1 is out of range (expected 0..100)");
            assertError(putDial(admin, "us-east4", "{\"percent\": \"fifty\"}"), 400, "invalid_dial",
                    "percent: \"fifty\" is not an integer (expected 0..100)");
            assertError(putDial(admin, "us-east4", "{\"percent\": 50.5}"), 400, "invalid_dial",
                    "percent: 50.5 is not an integer (expected 0..100)");
            assertError(putDial(admin, "us-east4", "{\"pinned\": \"yes\"}"), 400, "invalid_dial",
                    "pinned: \"yes\" (expected true or false)");
            assertError(putDial(admin, "us-east4", "{}"), 400, "invalid_dial", "percent or pinned: missing");
            assertError(putDial(admin, "us-east4", ""), 400, "invalid_body", "empty body");
            assertError(putDial(admin, "us-east4", "{\"percent\": 5, \"weight\": 3}"), 400, "invalid_body", "unknown key 'weight'");
            assertError(putDial(admin, "nowhere", "{\"percent\": 50}"), 404, "not_found",
                    "no region named 'nowhere' (configured: us-east4, us-east1, europe-west2)");
            assertError(admin.send("PUT", "/admin/regions/us-east4/dial", READ_TOKEN, "{\"percent\": 50}"), 403, "forbidden",
                    "needs write");

            assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
            assertThat(admin.admin.revision()).isZero();
        }
    }

    @Test
    void aDialSurvivesARestart() throws Exception {
        try (AdminFixture first = AdminFixture.start(dir)) {
            putDial(first, "us-east4", "{\"percent\": 40}");
            RegionDials dials = first.admin.dials();
            assertThat(refusal(dials.turnDial("us-east4", 30, RegionDials.SLO_CONTROLLER, Map.of())).reason())
                    .isEqualTo(RegionDials.Refused.Reason.PINNED);
            putDial(first, "us-east4", "{\"pinned\": false}");
            assertThat(result(dials.turnDial("us-east4", 30, RegionDials.SLO_CONTROLLER, Map.of()))).isEqualTo(3);
        }
        JsonNode saved = new ObjectMapper().readTree(Files.readString(dir.resolve("state.json")));
        assertThat(saved.path("dials").path("us-east4").toString())
                .isEqualTo("{\"percent\":30,\"baseline\":40,\"pinned\":false,\"set_by\":\"slo-controller\"}");
        assertThat(saved.path("dials").path("us-east1").isMissingNode()).isTrue();

        try (AdminFixture second = AdminFixture.startFrom(dir, dir.resolve("meridian.yaml"))) {
            RegionDial restored = new RegionDial(30, 40, false, RegionDials.SLO_CONTROLLER);
            assertThat(second.admin.revision()).isEqualTo(3);
            assertThat(second.router.overrides().dial("us-east4")).isEqualTo(restored);
            assertThat(second.admin.dials().dial("us-east4")).isEqualTo(restored);
            assertThat(second.router.currentShares().get("us-east4")).isEqualTo(0.3);
            assertThat(metric(second, "us-east4")).isEqualTo(0.3);
        }
    }

    @Test
    void theJavaEntryPointTurnsADialThroughTheSameStorePathAndAuditsItsInputs() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            RegionDials dials = admin.admin.dials();
            assertThat(dials.dials()).containsOnlyKeys("us-east4", "us-east1", "europe-west2")
                    .containsEntry("us-east4", RegionDial.DEFAULT);

            long revision = result(dials.turnDial("us-east4", 50, RegionDials.SLO_CONTROLLER,
                    Map.of("errorRatio5m", 0.2, "burnRate5m", 200.0, "windows", List.of("5m", "1h"))));

            assertThat(revision).isEqualTo(1);
            assertThat(dials.revision()).isEqualTo(1);
            RegionDial turned = new RegionDial(50, 100, false, RegionDials.SLO_CONTROLLER);
            assertThat(dials.dial("us-east4")).isEqualTo(turned);
            assertThat(admin.router.overrides().dial("us-east4")).isEqualTo(turned);
            assertThat(admin.router.currentShares()).containsEntry("us-east4", 0.5);
            assertThat(dialOf(admin, "us-east4").path("set_by").asText()).isEqualTo("slo-controller");
            JsonNode audit = lastAudit(admin);
            assertThat(audit.path("action").asText()).isEqualTo("dial");
            assertThat(audit.path("token").asText()).isEqualTo("slo-controller");
            assertThat(audit.path("remote").asText()).isEqualTo("internal");
            assertThat(audit.path("details").path("burnRate5m").asDouble()).isEqualTo(200.0);
            assertThat(audit.path("details").path("windows").toString()).isEqualTo("[\"5m\",\"1h\"]");
            assertThat(new ObjectMapper().readTree(Files.readString(admin.stateFile())).path("dials").path("us-east4")
                    .path("set_by").asText()).isEqualTo("slo-controller");

            assertThat(result(dials.turnDial("us-east4", 50, RegionDials.SLO_CONTROLLER, Map.of())))
                    .as("already there: no change, the same revision").isEqualTo(1);
            assertThat(refusal(dials.turnDial("us-east4", 101, RegionDials.SLO_CONTROLLER, Map.of())).reason())
                    .isEqualTo(RegionDials.Refused.Reason.INVALID_PERCENT);
            assertThat(refusal(dials.turnDial("nowhere", 10, RegionDials.SLO_CONTROLLER, Map.of())).reason())
                    .isEqualTo(RegionDials.Refused.Reason.UNKNOWN_REGION);
            assertThat(refusal(dials.turnDial("us-east4", 25, RegionDials.SLO_CONTROLLER, Map.of(), 0)).reason())
                    .as("decided on revision 0, the state is at 1").isEqualTo(RegionDials.Refused.Reason.REVISION_CHANGED);
            assertThat(result(dials.turnDial("us-east4", 25, RegionDials.SLO_CONTROLLER, Map.of(), 1))).isEqualTo(2);

            putDial(admin, "us-east4", "{\"percent\": 60, \"pinned\": false}");
            assertThat(refusal(dials.turnDial("us-east4", 80, RegionDials.SLO_CONTROLLER, Map.of())).reason())
                    .as("never above where the SRE left it").isEqualTo(RegionDials.Refused.Reason.ABOVE_BASELINE);
            assertThat(result(dials.turnDial("us-east4", 60, RegionDials.SLO_CONTROLLER, Map.of()))).isEqualTo(4);
        }
    }

    @Test
    void theJavaEntryPointRefusesAPinnedDialToAnyoneButAnSre() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            RegionDials dials = admin.admin.dials();
            putDial(admin, "us-east1", "{\"percent\": 80}");
            List<String> audit = admin.auditLines();

            RegionDials.Refused refused = refusal(dials.turnDial("us-east1", 40, RegionDials.SLO_CONTROLLER,
                    Map.of("burnRate5m", 30.0)));

            assertThat(refused.reason()).isEqualTo(RegionDials.Refused.Reason.PINNED);
            assertThat(refused.getMessage()).contains("region us-east1's dial is pinned at 80% by sre");
            assertThat(dials.dial("us-east1")).isEqualTo(new RegionDial(80, 80, true, "sre"));
            assertThat(admin.admin.revision()).isEqualTo(1);
            assertThat(admin.auditLines()).as("a refused change is not audited").isEqualTo(audit);
            assertThat(refusal(dials.turnDial("us-east1", 40, "grafana", Map.of())).reason())
                    .as("a read token is not an SRE").isEqualTo(RegionDials.Refused.Reason.PINNED);

            assertThat(result(dials.turnDial("us-east1", 40, "sre", Map.of()))).as("an SRE may").isEqualTo(2);
            assertThat(dials.dial("us-east1")).as("an SRE's turn sets the baseline and pins")
                    .isEqualTo(new RegionDial(40, 40, true, "sre"));
        }
    }
}
