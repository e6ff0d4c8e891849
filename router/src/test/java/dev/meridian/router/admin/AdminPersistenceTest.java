package dev.meridian.router.admin;

import static dev.meridian.router.admin.AdminFixture.READ_TOKEN;
import static dev.meridian.router.admin.AdminFixture.json;
import static dev.meridian.router.admin.AdminFixture.region;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.regions.RegionOverrides;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Weights and drains survive restarts; a damaged state file never stops the router; every change is audited. */
class AdminPersistenceTest {

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger stateLog = (Logger) LoggerFactory.getLogger(StateFile.class);

    @BeforeEach
    void captureLogs() {
        logged.start();
        stateLog.addAppender(logged);
    }

    @AfterEach
    void releaseLogs() {
        stateLog.detachAppender(logged);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aRestartKeepsWeightsDrainsAndTheRevision() {
        try (AdminFixture first = AdminFixture.start(dir)) {
            assertThat(first.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}").statusCode()).isEqualTo(200);
            assertThat(first.write("POST", "/admin/regions/europe-west2/drain", null).statusCode()).isEqualTo(200);
        }

        try (AdminFixture second = AdminFixture.startFrom(dir, dir.resolve("meridian.yaml"))) {
            JsonNode state = second.regions();

            assertThat(state.path("revision").asLong()).isEqualTo(2);
            assertThat(region(state, "us-east1").path("effectiveWeight").asInt()).isEqualTo(40);
            assertThat(region(state, "europe-west2").path("state").asText()).isEqualTo("drained");
            assertThat(second.router.overrides())
                    .isEqualTo(new RegionOverrides(Map.of("us-east1", 40), Set.of("europe-west2")));
            assertThat(second.write("POST", "/admin/regions/europe-west2/undrain", null, "If-Match", "\"2\"").statusCode())
                    .as("revisions continue where they were").isEqualTo(200);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void theStateFileIsReplacedAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}");
            admin.write("PUT", "/admin/regions/us-east4/weight", "{\"weight\": 60}");

            JsonNode saved = new ObjectMapper().readTree(Files.readString(admin.stateFile()));

            assertThat(saved.path("format").asInt()).isEqualTo(1);
            assertThat(saved.path("revision").asLong()).isEqualTo(2);
            assertThat(saved.path("weights").path("us-east1").asInt()).isEqualTo(40);
            assertThat(saved.path("weights").path("us-east4").asInt()).isEqualTo(60);
            assertThat(saved.path("drained").isArray()).isTrue();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("meridian.yaml", "state.json", "audit");
            }
        }
    }

    @Test
    void aStateFileCutInHalfIsReportedAndTheConfiguredValuesAreUsed() throws IOException {
        try (AdminFixture first = AdminFixture.start(dir)) {
            first.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40}");
            first.write("POST", "/admin/regions/europe-west2/drain", null);
        }
        byte[] whole = Files.readAllBytes(dir.resolve("state.json"));
        Files.write(dir.resolve("state.json"), java.util.Arrays.copyOf(whole, whole.length / 2));

        try (AdminFixture second = AdminFixture.startFrom(dir, dir.resolve("meridian.yaml"))) {
            JsonNode state = second.regions();

            assertThat(state.path("revision").asLong()).isZero();
            assertThat(region(state, "us-east1").path("effectiveWeight").asInt()).isEqualTo(100);
            assertThat(second.router.overrides()).isEqualTo(RegionOverrides.NONE);
            assertThat(second.get("/ready", null).statusCode()).isEqualTo(200);
            assertThat(second.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 41}").statusCode())
                    .as("the next change replaces the damaged file").isEqualTo(200);
            assertThat(StateFile.parse(Files.readAllBytes(dir.resolve("state.json"))).overrides().weights())
                    .isEqualTo(Map.of("us-east1", 41));
        }
        assertThat(warnings()).singleElement().asString()
                .startsWith("admin state file " + dir.resolve("state.json") + " is unusable, starting with the configured weights and drains: "
                        + "not valid JSON");
    }

    @Test
    void aStateFileWithWrongValuesIsReportedByWhatIsWrong() throws IOException {
        Files.writeString(dir.resolve("state.json"), "{\"format\": 1, \"revision\": 3, \"weights\": {\"us-east1\": 5000}, \"drained\": []}");

        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
        }
        assertThat(warnings()).singleElement().asString().endsWith(": weights.us-east1: 5000 (expected 0..1000)");
    }

    @Test
    void overridesOfRegionsNoLongerConfiguredAreDroppedAtStart() throws IOException {
        Files.writeString(dir.resolve("state.json"),
                "{\"format\": 1, \"revision\": 9, \"weights\": {\"us-east1\": 5, \"mars-1\": 7}, \"drained\": [\"mars-1\"]}");

        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(admin.router.overrides()).isEqualTo(new RegionOverrides(Map.of("us-east1", 5), Set.of()));
            assertThat(admin.regions().path("revision").asLong()).isEqualTo(9);
        }
    }

    @Test
    void aStateFileThatCannotBeWrittenRefusesTheChangeAndChangesNothing() throws IOException {
        Files.writeString(dir.resolve("blocker"), "a file where the state directory should be");
        String yaml = AdminFixture.config(AdminFixture.REGIONS).replace("state-file: state.json", "state-file: blocker/state.json");

        try (AdminFixture admin = AdminFixture.start(dir, yaml)) {
            HttpResponse<String> response = admin.write("POST", "/admin/regions/us-east1/drain", null);

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(json(response).path("error").asText()).isEqualTo("state_not_saved");
            assertThat(json(response).path("detail").asText()).contains("blocker/state.json", "nothing was changed");
            assertThat(admin.router.overrides()).isEqualTo(RegionOverrides.NONE);
            assertThat(admin.regions().path("revision").asLong()).isZero();
            assertThat(admin.auditLines()).isEmpty();
        }
    }

    @Test
    void everyChangeIsAuditedAsOneJsonLineWithWhoWhatBeforeAfterAndRevision() throws IOException {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.write("PUT", "/admin/regions/us-east1/weight", "{\"weight\": 40, \"reason\": \"INC-42\"}");
            admin.write("POST", "/admin/regions/us-east1/drain", null);
            admin.get("/admin/regions", READ_TOKEN);

            List<String> lines = admin.auditLines();

            assertThat(lines).hasSize(2);
            ObjectMapper mapper = new ObjectMapper();
            JsonNode weight = mapper.readTree(lines.get(0));
            assertThat(weight.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            assertThat(weight.path("token").asText()).isEqualTo("sre");
            assertThat(weight.path("remote").asText()).isEqualTo("127.0.0.1");
            assertThat(weight.path("action").asText()).isEqualTo("weight");
            assertThat(weight.path("region").asText()).isEqualTo("us-east1");
            assertThat(weight.path("before").path("weight").asInt()).isEqualTo(100);
            assertThat(weight.path("after").path("weight").asInt()).isEqualTo(40);
            assertThat(weight.path("revision").asLong()).isEqualTo(1);
            assertThat(weight.path("reason").asText()).isEqualTo("INC-42");
            JsonNode drain = mapper.readTree(lines.get(1));
            assertThat(drain.path("action").asText()).isEqualTo("drain");
            assertThat(drain.path("before").path("state").asText()).isEqualTo("active");
            assertThat(drain.path("after").path("state").asText()).isEqualTo("drained");
            assertThat(drain.path("revision").asLong()).isEqualTo(2);
            assertThat(String.join("\n", lines)).doesNotContain(AdminFixture.WRITE_TOKEN);
        }
    }

    @Test
    void stateFileRoundTripsAndRefusesWhatIsNotAState() throws IOException {
        StateFile file = new StateFile(dir.resolve("s.json"), java.time.Clock.systemUTC());
        AdminState state = new AdminState(new RegionOverrides(Map.of("a", 0, "b", 1000), Set.of("c")), 12);

        file.save(state);

        assertThat(file.load()).isEqualTo(state);
        assertThat(StateFile.parse(Files.readAllBytes(dir.resolve("s.json")))).isEqualTo(state);
        for (String bad : List.of("", "[]", "{\"format\": 2, \"revision\": 1, \"weights\": {}, \"drained\": []}",
                "{\"format\": 1, \"revision\": -1, \"weights\": {}, \"drained\": []}",
                "{\"format\": 1, \"revision\": 1, \"weights\": {\"a\": 1.5}, \"drained\": []}",
                "{\"format\": 1, \"revision\": 1, \"weights\": {}, \"drained\": [3]}",
                "{\"format\": 1, \"revision\": 1, \"weights\": {}}",
                "{\"format\": 1, \"revision\": 1, \"weights\": {}, \"drained\": []} {}")) {
            Files.writeString(dir.resolve("s.json"), bad);
            assertThat(file.load()).as("state file %s", bad).isEqualTo(AdminState.INITIAL);
        }
        assertThat(warnings()).hasSize(8);
    }
}
