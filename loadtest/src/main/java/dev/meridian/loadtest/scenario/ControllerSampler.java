package dev.meridian.loadtest.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads, every {@code period} on its own thread, what an SRE watching the SLO controller would:
 * {@code GET /admin/controller} (the watched region's burn rates and what the rule decides next),
 * {@code GET /admin/regions} (every region's dial) and the router's attempt counters of the
 * watched region (for its attempt error ratio, counted as the controller counts it).
 */
final class ControllerSampler implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScenarioRun run;
    private final String region;
    private final PeriodicReadings<Reading> readings;

    /**
     * One reading, {@code millis} after the load started: each region's dial (percent), the
     * watched region's availability burn rates over the controller's short and long windows
     * ({@code NaN} without traffic), the rule's next action for it, and its cumulative attempts
     * that counted for the SLI and those that failed.
     */
    record Reading(long millis, Map<String, Integer> dials, double burnShort, double burnLong, String next,
            long attempts, long failures) {
    }

    /** A decision of the controller, {@code millis} after the load started. */
    record Decision(long millis, String region, String action, int from, int to, String result, String reason) {
    }

    private ControllerSampler(ScenarioRun run, String region, long periodMillis) {
        this.run = run;
        this.region = region;
        // An admin call in progress when the run ends may take a while on a busy machine: wait for it longer.
        this.readings = PeriodicReadings.start("scenario-controller", periodMillis, Duration.ofSeconds(10), this::read);
    }

    /** Starts reading every {@code periodMillis} from now on, until closed. */
    static ControllerSampler start(ScenarioRun run, String region, long periodMillis) {
        return new ControllerSampler(run, region, periodMillis);
    }

    private @Nullable Reading read() {
        try {
            long millis = run.nowMillis();
            JsonNode controller = JSON.readTree(run.bed().adminGet("/admin/controller"));
            JsonNode regions = JSON.readTree(run.bed().adminGet("/admin/regions"));
            Map<String, Integer> dials = new LinkedHashMap<>();
            for (JsonNode node : regions.path("regions")) {
                dials.put(node.path("name").asText(), node.path("dial").path("percent").asInt(100));
            }
            JsonNode mine = controller.path("regions").path(region);
            JsonNode burn = mine.path("burn").path("availability");
            long attempts = 0;
            long failures = 0;
            for (Map.Entry<String, Long> outcome : run.bed().attemptsByOutcome(region).entrySet()) {
                switch (outcome.getKey()) {
                    case "success" -> attempts += outcome.getValue();
                    case "gateway_failure", "timeout" -> {
                        attempts += outcome.getValue();
                        failures += outcome.getValue();
                    }
                    default -> { }
                }
            }
            return new Reading(millis, dials, number(burn.path("short")), number(burn.path("long")),
                    mine.path("next").path("action").asText("-"), attempts, failures);
        } catch (IOException | RuntimeException e) {
            // A reading the busy machine could not take is a gap in the series, not the end of the run.
            System.err.printf("%nscenario: controller reading failed: %s%n", e.getMessage());
            return null;
        }
    }

    private static double number(JsonNode node) {
        return node.isNumber() ? node.asDouble() : Double.NaN;
    }

    List<Reading> readings() {
        return readings.all();
    }

    /** The controller's decisions it still lists (the newest 50), oldest first, timed since the load started. */
    List<Decision> decisions() {
        long origin = System.currentTimeMillis() - run.nowMillis();
        try {
            JsonNode controller = JSON.readTree(run.bed().adminGet("/admin/controller"));
            List<Decision> decisions = new ArrayList<>();
            for (JsonNode node : controller.path("decisions")) {
                decisions.add(0, new Decision(Instant.parse(node.path("time").asText()).toEpochMilli() - origin,
                        node.path("region").asText(), node.path("action").asText(), node.path("from").asInt(),
                        node.path("to").asInt(), node.path("result").asText(), node.path("reason").asText()));
            }
            return decisions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        readings.close();
    }
}
