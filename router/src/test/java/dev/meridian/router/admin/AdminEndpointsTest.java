package dev.meridian.router.admin;

import static dev.meridian.router.admin.AdminFixture.READ_TOKEN;
import static dev.meridian.router.admin.AdminFixture.WRITE_TOKEN;
import static dev.meridian.router.admin.AdminFixture.assertError;
import static dev.meridian.router.admin.AdminFixture.json;
import static dev.meridian.router.admin.AdminFixture.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meridian.regions.RegionOverrides;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every endpoint through a real HTTP client: what it answers, and every way it refuses. */
class AdminEndpointsTest extends RunningAdminTest {

    // ---- open endpoints ----

    @Test
    void healthzAndReadyAnswerWithoutAToken() {
        HttpResponse<String> healthz = admin.get("/healthz", null);
        HttpResponse<String> ready = admin.get("/ready", null);

        assertThat(healthz.statusCode()).isEqualTo(200);
        assertThat(json(healthz).path("status").asText()).isEqualTo("alive");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).path("ready").asBoolean()).isTrue();
    }

    @Test
    void readyIsFiveOhThreeWhenEveryRegionIsDrained() {
        for (String region : new String[] {"us-east4", "us-east1", "europe-west2"}) {
            assertThat(admin.write("POST", "/admin/regions/" + region + "/drain", null).statusCode()).isEqualTo(200);
        }

        HttpResponse<String> ready = admin.get("/ready", null);

        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready).path("ready").asBoolean()).isFalse();
        assertThat(admin.get("/healthz", null).statusCode()).as("still alive").isEqualTo(200);
    }

    // ---- authentication and authorization ----

    @Test
    void withoutATokenEveryOtherEndpointIsUnauthorizedWithABearerChallenge() {
        for (String path : new String[] {"/admin/regions", "/metrics", "/admin/explain?ip=10.0.0.1", "/admin/openapi.yaml", "/nope"}) {
            HttpResponse<String> response = admin.get(path, null);

            assertError(response, 401, "unauthorized", "Authorization: Bearer");
            assertThat(response.headers().firstValue("WWW-Authenticate")).as("path %s", path)
                    .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Bearer"));
        }
        assertError(admin.send("PUT", "/admin/regions/us-east4/weight", null, "{\"weight\": 1}"), 401, "unauthorized", "Bearer");
    }

    @Test
    void aWrongTokenOrSchemeIsUnauthorized() {
        HttpResponse<String> wrong = admin.get("/admin/regions", "not-a-token");
        HttpResponse<String> basic = admin.send("GET", "/admin/regions", null, null, "Authorization", "Basic " + WRITE_TOKEN);

        assertError(wrong, 401, "unauthorized", "not one of admin.tokens");
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"meridian-admin\", error=\"invalid_token\"");
        assertThat(wrong.body()).doesNotContain("not-a-token");
        assertError(basic, 401, "unauthorized", "expected Authorization: Bearer <token>");
    }

    @Test
    void aReadTokenMayReadButNotWrite() {
        HttpResponse<String> read = admin.get("/admin/regions", READ_TOKEN);
        HttpResponse<String> write = admin.send("POST", "/admin/regions/us-east4/drain", READ_TOKEN, null);
        HttpResponse<String> reload = admin.send("POST", "/admin/reload", READ_TOKEN, null);

        assertThat(read.statusCode()).isEqualTo(200);
        assertError(write, 403, "forbidden", "token 'grafana' has scope read; POST /admin/regions/{name}/drain needs write");
        assertError(reload, 403, "forbidden", "needs write");
        assertThat(admin.router.overrides()).as("nothing changed").isEqualTo(RegionOverrides.NONE);
    }

    @Test
    void unknownPathsAreNotFoundAndWrongMethodsNotAllowed() {
        assertError(admin.get("/admin/nothing", READ_TOKEN), 404, "not_found", "no endpoint GET /admin/nothing");
        HttpResponse<String> wrongMethod = admin.get("/admin/regions/us-east4/weight", READ_TOKEN);
        assertError(wrongMethod, 405, "method_not_allowed", "allowed: PUT, DELETE");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("PUT, DELETE");
        assertError(admin.send("POST", "/healthz", null, null), 405, "method_not_allowed", "allowed: GET");
    }

    // ---- GET /admin/regions ----

    @Test
    void regionsShowsStateWeightsHealthAndShareOfEveryRegionWithTheRevision() {
        HttpResponse<String> response = admin.get("/admin/regions", READ_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("ETag")).contains("\"0\"");
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode body = json(response);
        assertThat(body.path("revision").asLong()).isZero();
        assertThat(body.path("regions")).extracting(r -> r.path("name").asText())
                .containsExactly("us-east4", "us-east1", "europe-west2");
        JsonNode east1 = region(body, "us-east1");
        assertThat(east1.path("state").asText()).isEqualTo("active");
        assertThat(east1.path("configuredWeight").asInt()).isEqualTo(100);
        assertThat(east1.path("weightOverride").isNull()).isTrue();
        assertThat(east1.path("effectiveWeight").asInt()).isEqualTo(100);
        assertThat(east1.path("available").asBoolean()).isTrue();
        assertThat(east1.path("breaker").asText()).isEqualTo("closed");
        assertThat(east1.path("probeRttMs").isNull()).as("probes are off: nothing measured").isTrue();
        assertThat(east1.path("share").isNumber()).isTrue();
        assertThat(east1.path("endpoints")).hasSize(2);
        JsonNode endpoint = east1.path("endpoints").get(0);
        assertThat(endpoint.path("endpoint").asText()).isEqualTo("127.0.0.1:19");
        assertThat(endpoint.path("probe").asText()).isEqualTo("up");
        assertThat(endpoint.path("available").asBoolean()).isTrue();
        assertThat(endpoint.path("ejected").asBoolean()).isFalse();
        double total = 0;
        for (JsonNode r : body.path("regions")) {
            total += r.path("share").asDouble();
        }
        assertThat(total).as("shares of all regions").isCloseTo(1.0, within(0.001));
    }

    // ---- PUT /admin/regions/{name}/weight ----

    @Test
    void aWeightChangeIsAppliedAndAnswersTheNewStateAndRevision() {
        HttpResponse<String> response = admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 250}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("ETag")).contains("\"1\"");
        JsonNode body = json(response);
        assertThat(body.path("revision").asLong()).isEqualTo(1);
        JsonNode east1 = region(body, "us-east1");
        assertThat(east1.path("weightOverride").asInt()).isEqualTo(250);
        assertThat(east1.path("effectiveWeight").asInt()).isEqualTo(250);
        assertThat(east1.path("configuredWeight").asInt()).isEqualTo(100);
        assertThat(admin.router.overrides().weights()).isEqualTo(Map.of("us-east1", 250));
        assertThat(admin.admin.revision()).isEqualTo(1);
    }

    @Test
    void settingTheSameWeightAgainChangesNothing() {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 250}");

        HttpResponse<String> again = admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 250}");

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("revision").asLong()).as("no new revision for no change").isEqualTo(1);
    }

    @Test
    void weightsOutsideZeroToAThousandOrNotIntegersAreBadRequests() {
        String path = "/admin/regions/us-east1/weight";
        assertError(admin.write("PUT", path, "{\"weight\": 1001}"), 400, "invalid_weight", "weight: 1001 is out of range (expected 0..1000)");
        assertError(admin.write("PUT", path, "{\"weight\": -1}"), 400, "invalid_weight", "weight: -1 is out of range");
        assertError(admin.write("PUT", path, "{\"weight\": 50.5}"), 400, "invalid_weight", "weight: 50.5 is not an integer");
        assertError(admin.write("PUT", path, "{\"weight\": \"50\"}"), 400, "invalid_weight", "weight: \"50\" is not an integer");
        assertError(admin.write("PUT", path, "{\"weight\": 99999999999}"), 400, "invalid_weight", "is not an integer");
        assertError(admin.write("PUT", path, "{}"), 400, "invalid_weight", "weight: missing");
        assertError(admin.write("PUT", path, "{\"weight\": 5, \"wieght\": 5}"), 400, "invalid_body", "unknown key 'wieght'");
        assertError(admin.write("PUT", path, "[5]"), 400, "invalid_body", "expected a JSON object");
        assertError(admin.write("PUT", path, ""), 400, "invalid_body", "empty body");
        assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
        assertThat(admin.admin.revision()).isZero();
    }

    @Test
    void malformedJsonIsABadRequest() {
        String path = "/admin/regions/us-east1/weight";
        assertError(admin.write("PUT", path, "{\"weight\": "), 400, "invalid_json", "the body is not valid JSON");
        assertError(admin.write("PUT", path, "{\"weight\": 5} trailing"), 400, "invalid_json", "not valid JSON");
        assertError(admin.write("PUT", path, "{\"weight\": 5, \"weight\": 6}"), 400, "invalid_json", "Duplicate field 'weight'");
    }

    @Test
    void anUnknownRegionIsNotFound() {
        assertError(admin.write("PUT", "/admin/regions/mars-1/weight", "{\"weight\": 5}"), 404, "not_found",
                "no region named 'mars-1' (configured: us-east4, us-east1, europe-west2)");
        assertError(admin.write("POST", "/admin/regions/mars-1/drain", null), 404, "not_found", "no region named 'mars-1'");
    }

    @Test
    void aBodyLargerThanTheLimitIsRefusedWithFourOhThirteen() {
        String big = "{\"weight\": 5, \"reason\": \"" + "x".repeat(20_000) + "\"}";

        assertError(admin.write("PUT", "/admin/regions/us-east1/weight", big), 413, "body_too_large", "16384 bytes");
        HttpRequest chunked = HttpRequest.newBuilder(admin.uri("/admin/regions/us-east1/weight"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + WRITE_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())))
                .build();
        assertError(admin.send(chunked), 413, "body_too_large", "admin.max-request-body");
        assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
    }

    @Test
    void deletingTheWeightOverrideReturnsToTheConfiguredWeight() {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 7}");

        HttpResponse<String> response = admin.write("DELETE", "/admin/regions/us-east1/weight", null);

        JsonNode east1 = regionAfterWrite(response, "us-east1");
        assertThat(east1.path("weightOverride").isNull()).isTrue();
        assertThat(east1.path("effectiveWeight").asInt()).isEqualTo(100);
        assertThat(json(response).path("revision").asLong()).isEqualTo(2);
        assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
    }

    // ---- drain and undrain ----

    @Test
    void drainTakesARegionOutAndUndrainBringsItBackAtItsWeight() {
        admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 300}");

        HttpResponse<String> drained = admin.write("POST", "/admin/regions/us-east1/drain", null);

        JsonNode east1 = regionAfterWrite(drained, "us-east1");
        assertThat(east1.path("state").asText()).isEqualTo("drained");
        assertThat(east1.path("effectiveWeight").asInt()).isZero();
        assertThat(east1.path("weightOverride").asInt()).as("kept for the undrain").isEqualTo(300);
        assertThat(east1.path("available").asBoolean()).isFalse();
        assertThat(admin.router.overrides().drained()).containsExactly("us-east1");

        HttpResponse<String> undrained = admin.write("POST", "/admin/regions/us-east1/undrain", "{\"reason\": \"INC-42 over\"}");

        JsonNode back = regionAfterWrite(undrained, "us-east1");
        assertThat(back.path("state").asText()).isEqualTo("active");
        assertThat(back.path("effectiveWeight").asInt()).isEqualTo(300);
        assertThat(json(undrained).path("revision").asLong()).isEqualTo(3);
        assertThat(admin.router.overrides().drained()).isEmpty();
    }

    @Test
    void drainTakesNoBodyOrAReasonOnly() {
        assertError(admin.write("POST", "/admin/regions/us-east1/drain", "{\"weight\": 5}"), 400, "invalid_body", "unknown key 'weight'");
        assertError(admin.write("POST", "/admin/regions/us-east1/drain", "{\"reason\": 5}"), 400, "invalid_body", "reason:");
        assertThat(admin.write("POST", "/admin/regions/us-east1/drain", "{}").statusCode()).isEqualTo(200);
    }

    // ---- If-Match ----

    @Test
    void ifMatchWithTheCurrentRevisionSucceedsAndWithAnOlderOneIsPreconditionFailed() {
        String etag = admin.get("/admin/regions", READ_TOKEN).headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> first = admin.write("POST", "/admin/regions/us-east1/drain", null, "If-Match", etag);
        assertThat(first.statusCode()).isEqualTo(200);

        HttpResponse<String> stale = admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 1}", "If-Match", etag);

        assertError(stale, 412, "precondition_failed", "If-Match: \"0\" is not the current revision 1");
        assertThat(stale.headers().firstValue("ETag")).contains("\"1\"");
        assertThat(admin.router.overrides().weights()).as("the stale write was not applied").isEmpty();
        assertThat(admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 1}", "If-Match", "1").statusCode())
                .as("an unquoted revision works too").isEqualTo(200);
        assertThat(admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 2}", "If-Match", "*").statusCode())
                .isEqualTo(200);
        assertError(admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 3}", "If-Match", "W/\"abc\""),
                412, "precondition_failed", "not the current revision 3");
    }

    // ---- dry run ----

    @Test
    void aDryRunAnswersCurrentAndProjectedSharesAndChangesNothing() throws Exception {
        HttpResponse<String> response = admin.write("POST", "/admin/regions/us-east4/drain?dry_run=true", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("dryRun").asBoolean()).isTrue();
        assertThat(body.path("revision").asLong()).isZero();
        assertThat(body.path("before").path("state").asText()).isEqualTo("active");
        assertThat(body.path("after").path("state").asText()).isEqualTo("drained");
        Map<String, double[]> shares = new HashMap<>();
        body.path("shares").forEach(s -> shares.put(s.path("region").asText(),
                new double[] {s.path("current").asDouble(), s.path("projected").asDouble()}));
        assertThat(shares.keySet()).containsExactlyInAnyOrder("us-east4", "us-east1", "europe-west2");
        assertThat(shares.get("us-east4")[1]).as("a drained region gets nothing").isZero();
        assertThat(shares.values().stream().mapToDouble(s -> s[1]).sum()).isCloseTo(1.0, within(0.001));
        assertThat(shares.get("us-east4")[0]).isEqualTo(admin.router.currentShares().get("us-east4"));

        assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
        assertThat(admin.admin.revision()).isZero();
        assertThat(admin.auditLines()).as("a dry run is not a change").isEmpty();
        assertThat(admin.stateFile()).doesNotExist();
    }

    @Test
    void aWeightDryRunProjectsWhatTheRouterWouldDo() {
        HttpResponse<String> response = admin.write("PUT", "/admin/regions/us-east1/weight?dry_run=true", "{\"weight\": 0}");

        JsonNode body = json(response);
        assertThat(body.path("after").path("weight").asInt()).isZero();
        Map<String, Double> expected = admin.router.projectedShares(RegionOverrides.NONE.withWeight("us-east1", 0));
        body.path("shares").forEach(s ->
                assertThat(s.path("projected").asDouble()).isEqualTo(expected.get(s.path("region").asText())));
        assertError(admin.write("PUT", "/admin/regions/us-east1/weight?dry_run=maybe", "{\"weight\": 0}"), 400,
                "invalid_parameter", "dry_run: 'maybe' (expected true or false)");
        assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
    }

    // ---- explain ----

    @Test
    void explainAnswersWhereARequestWouldGoWithLiveOverrides() {
        admin.write("POST", "/admin/regions/europe-west2/drain", null);

        HttpResponse<String> response = admin.get("/admin/explain?ip=203.0.113.7&lat=48.86&lon=2.35&path=/v2/code/completions",
                READ_TOKEN);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("client").asText()).isEqualTo("203.0.113.7");
        assertThat(body.path("rankedBy").asText()).isEqualTo("geo");
        assertThat(body.path("location").path("lat").asDouble()).isEqualTo(48.86);
        assertThat(body.path("candidates").get(0).path("region").asText()).as("Paris is nearest London").isEqualTo("europe-west2");
        assertThat(body.path("candidates").get(0).path("available").asBoolean()).as("but it is drained").isFalse();
        assertThat(body.path("decision").path("region").asText()).isNotEqualTo("europe-west2");
    }

    @Test
    void explainRefusesBadParameters() {
        assertError(admin.get("/admin/explain", READ_TOKEN), 400, "invalid_parameter", "ip: required");
        assertError(admin.get("/admin/explain?ip=example.com", READ_TOKEN), 400, "invalid_parameter",
                "ip: 'example.com' is not an IP address literal");
        assertError(admin.get("/admin/explain?ip=10.0.0.1&lat=48.86", READ_TOKEN), 400, "invalid_parameter", "lat and lon go together");
        assertError(admin.get("/admin/explain?ip=10.0.0.1&lat=91&lon=0", READ_TOKEN), 400, "invalid_parameter",
                "lat: 91 is out of range (expected -90..90)");
        assertError(admin.get("/admin/explain?ip=10.0.0.1&lat=north&lon=0", READ_TOKEN), 400, "invalid_parameter",
                "lat: 'north' is not a number");
        assertError(admin.get("/admin/explain?ip=10.0.0.1&path=v2", READ_TOKEN), 400, "invalid_parameter", "path: 'v2'");
        assertError(admin.get("/admin/explain?ip=10.0.0.1&colour=red", READ_TOKEN), 400, "invalid_parameter",
                "unknown parameter 'colour'");
    }

    // ---- metrics ----

    @Test
    void metricsNeedATokenAndAnswerThePrometheusTextFormat() {
        admin.router.meterRegistry().counter("meridian_admin_test_scrapes").increment(3);

        HttpResponse<String> response = admin.get("/metrics", READ_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(AdminApi.PROMETHEUS_TEXT);
        assertThat(response.body()).contains("# TYPE meridian_admin_test_scrapes_total counter", "meridian_admin_test_scrapes_total 3.0");
        HttpResponse<String> openMetrics = admin.send("GET", "/metrics", READ_TOKEN, null, "Accept", "application/openmetrics-text");
        assertThat(openMetrics.headers().firstValue("Content-Type")).contains(AdminApi.OPENMETRICS_TEXT);
        assertThat(openMetrics.body()).endsWith("# EOF\n");
    }

    @Test
    void theOpenApiDocumentIsServed() {
        HttpResponse<String> response = admin.get("/admin/openapi.yaml", READ_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/yaml");
        assertThat(response.body()).startsWith("openapi: 3.0.3");
    }

    @Test
    void reloadWithoutAConfigFileIsAConflict() {
        try (AdminServer second = AdminServer.start(admin.router, null)) {
            HttpResponse<String> response = admin.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + second.address().getPort() + "/admin/reload"))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + WRITE_TOKEN)
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build());

            assertError(response, 409, "no_config_file", "not started from a configuration file");
        }
    }

    /** The region {@code name} in the answer to a write, which succeeded. */
    private static JsonNode regionAfterWrite(HttpResponse<String> response, String name) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return region(json(response), name);
    }
}
