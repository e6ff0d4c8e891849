package dev.meridian.router.admin;

import static dev.meridian.router.admin.AdminFixture.READ_TOKEN;
import static dev.meridian.router.admin.AdminFixture.json;
import static dev.meridian.router.admin.AdminFixture.region;
import static dev.meridian.router.admin.AdminFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code POST /admin/reload}: a good file takes effect, a broken one is refused and the router keeps serving the old one. */
class AdminReloadTest extends RunningAdminTest {

    private void rewrite(String yaml) throws IOException {
        Files.writeString(admin.configFile, yaml);
    }

    @Test
    void aBrokenConfigIsRefusedWithItsProblemsAndTheOldOneKeepsServing() throws IOException {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}");
        rewrite(AdminFixture.config("regions:\n  - name: us-east4\n    wieght: 5\n    endpoints: []\n"));

        HttpResponse<String> response = admin.write("POST", "/admin/reload", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo("invalid_config");
        String file = admin.configFile.toString();
        assertThat(texts(body.path("problems"))).containsExactly(
                file + ":13:5: regions[0].wieght: unknown key (did you mean 'weight'?)",
                file + ":14:16: regions[0].endpoints: empty list (expected at least one endpoint, e.g. http://10.1.0.5:5052)");
        assertThat(body.path("detail").asText()).isEqualTo(String.join("\n", texts(body.path("problems"))));

        assertThat(admin.router.config().regions()).hasSize(3);
        JsonNode state = admin.regions();
        assertThat(state.path("regions")).hasSize(3);
        assertThat(state.path("revision").asLong()).as("a refused reload is not a change").isEqualTo(1);
        assertThat(region(state, "us-east1").path("effectiveWeight").asInt()).isEqualTo(40);
        assertThat(admin.get("/ready", null).statusCode()).isEqualTo(200);
        assertThat(admin.auditLines()).hasSize(1);
    }

    @Test
    void aGoodConfigTakesEffectKeepingOverridesOfRegionsStillConfiguredUnderTheSameName() throws IOException {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}");
        admin.write("POST", "/admin/regions/europe-west2/drain", null);
        admin.write("PUT", "/admin/regions/us-east1/dial", "{\"percent\": 60}");
        admin.write("PUT", "/admin/regions/europe-west2/dial", "{\"percent\": 20}");
        // europe-west2 is renamed europe-west1, us-east4's configured weight changes, asia-northeast1 is new.
        rewrite(AdminFixture.config("""
                regions:
                  - name: us-east4
                    weight: 300
                    endpoints: ["http://127.0.0.1:9"]
                  - name: us-east1
                    endpoints: ["http://127.0.0.1:19"]
                  - name: europe-west1
                    endpoints: ["http://127.0.0.1:29"]
                  - name: asia-northeast1
                    endpoints: ["http://127.0.0.1:39"]
                """));

        HttpResponse<String> response = admin.write("POST", "/admin/reload", null, "If-Match", "\"4\"");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("reloaded").asBoolean()).isTrue();
        assertThat(body.path("revision").asLong()).isEqualTo(5);
        assertThat(response.headers().firstValue("ETag")).contains("\"5\"");
        assertThat(texts(body.path("regions"))).containsExactly("us-east4", "us-east1", "europe-west1", "asia-northeast1");
        assertThat(texts(body.path("droppedOverrides").path("drained"))).containsExactly("europe-west2");
        assertThat(body.path("droppedOverrides").path("dials").path("europe-west2").path("percent").asInt()).isEqualTo(20);
        assertThat(body.path("droppedOverrides").path("dials").has("us-east1")).isFalse();
        assertThat(texts(body.path("restartRequired"))).isEmpty();

        JsonNode state = admin.regions();
        assertThat(region(state, "us-east4").path("effectiveWeight").asInt()).as("the new configured weight").isEqualTo(300);
        assertThat(region(state, "us-east1").path("effectiveWeight").asInt()).as("the override stays").isEqualTo(40);
        assertThat(region(state, "europe-west1").path("state").asText()).as("a renamed region starts afresh").isEqualTo("active");
        RegionOverrides kept = new RegionOverrides(Map.of("us-east1", 40), Set.of(), Map.of("us-east1", new RegionDial(60, 60, true, "sre")));
        assertThat(admin.router.overrides()).isEqualTo(kept);
        assertThat(StateFile.parse(Files.readAllBytes(admin.stateFile()))).isEqualTo(new AdminState(kept, 5));
        assertThat(admin.auditLines()).last().asString().contains("\"action\":\"reload\"", "\"revision\":5");
    }

    @Test
    void tokensChangeWithAReload() throws IOException {
        rewrite(AdminFixture.config(AdminFixture.REGIONS).replace(READ_TOKEN, "another-read-secret-99"));

        assertThat(admin.write("POST", "/admin/reload", null).statusCode()).isEqualTo(200);

        assertThat(admin.get("/admin/regions", READ_TOKEN).statusCode()).isEqualTo(401);
        assertThat(admin.get("/admin/regions", "another-read-secret-99").statusCode()).isEqualTo(200);
    }

    @Test
    void aReloadThatWouldLeaveNoTokenIsRefused() throws IOException {
        rewrite("listen: {address: 127.0.0.1, port: 0}\n" + AdminFixture.REGIONS);

        HttpResponse<String> response = admin.write("POST", "/admin/reload", null);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("error").asText()).isEqualTo("reload_refused");
        assertThat(admin.get("/admin/regions", READ_TOKEN).statusCode()).as("the old tokens still work").isEqualTo(200);
    }

    @Test
    void aReloadBasedOnAStaleRevisionIsPreconditionFailed() throws IOException {
        admin.write("POST", "/admin/regions/us-east1/drain", null);

        HttpResponse<String> response = admin.write("POST", "/admin/reload", null, "If-Match", "\"0\"");

        assertThat(response.statusCode()).isEqualTo(412);
        assertThat(admin.regions().path("revision").asLong()).isEqualTo(1);
    }

    @Test
    void settingsThatNeedARestartAreNamed() throws IOException {
        rewrite(AdminFixture.config(AdminFixture.REGIONS).replace("listen: {address: 127.0.0.1, port: 0}",
                "listen: {address: 127.0.0.1, port: 0, proxy-protocol: true}"));

        HttpResponse<String> response = admin.write("POST", "/admin/reload", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(texts(json(response).path("restartRequired"))).containsExactly("listen");
    }

    @Test
    void aReloadFromOutsideTheApiIsAppliedAndAuditedUnderTheActorsName() throws IOException {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}");
        rewrite(AdminFixture.config(AdminFixture.REGIONS.replace("name: us-east4\n", "name: us-east4\n    weight: 250\n")));

        AdminServer.ConfigReload outcome = admin.admin.reloadConfiguration("signal");

        assertThat(outcome).isEqualTo(new AdminServer.ConfigReload(true, 2, List.of()));
        JsonNode state = admin.regions();
        assertThat(region(state, "us-east4").path("effectiveWeight").asInt()).isEqualTo(250);
        assertThat(region(state, "us-east1").path("effectiveWeight").asInt()).as("the override stays").isEqualTo(40);
        assertThat(admin.auditLines()).last().asString()
                .contains("\"token\":\"signal\"", "\"remote\":\"local\"", "\"action\":\"reload\"", "\"revision\":2");
    }

    @Test
    void aRefusedReloadFromOutsideTheApiAnswersWithTheProblemsAndChangesNothing() throws IOException {
        rewrite(AdminFixture.config("regions:\n  - name: us-east4\n    wieght: 5\n    endpoints: []\n"));

        AdminServer.ConfigReload outcome = admin.admin.reloadConfiguration("signal");

        String file = admin.configFile.toString();
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.revision()).isZero();
        assertThat(outcome.problems()).containsExactly(
                file + ":13:5: regions[0].wieght: unknown key (did you mean 'weight'?)",
                file + ":14:16: regions[0].endpoints: empty list (expected at least one endpoint, e.g. http://10.1.0.5:5052)");
        assertThat(admin.router.config().regions()).hasSize(3);
        assertThat(admin.auditLines()).as("a refused reload is not audited").isEmpty();
    }
}
