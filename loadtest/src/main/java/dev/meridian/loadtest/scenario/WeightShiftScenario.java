package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.TimelineSecond;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario weight-shift}: two regions equally near the clients share their traffic
 * by weight (100 and 100: half each); under load an SRE sets A's weight through the admin API
 * ({@code PUT /admin/regions/A/weight}), later sets it back. The report gives the time from each
 * change until the split, measured over sliding 200 ms windows, is within 5 percentage points of
 * the new target for three windows in a row.
 */
@Command(name = "weight-shift", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Changes a region's weight through the admin API under load and measures how fast the split converges."})
final class WeightShiftScenario implements Callable<Integer> {

    static final String A = "us-east4";
    /** South Carolina: about 670 km further from New York than A, inside the 10 ms (1000 km) tie band. */
    static final String B = "us-east1";
    private static final long WINDOW_MILLIS = 200;
    private static final double TOLERANCE = 0.05;

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--weight", paramLabel = "N", defaultValue = "25",
            description = "A's new weight (B keeps 100; default: ${DEFAULT-VALUE}, a target share of 20 %%).")
    int weight = 25;

    @Option(names = "--shift-at", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "15s",
            description = "When A's weight is changed, since the load started (default: ${DEFAULT-VALUE}).")
    Duration shiftAt = Duration.ofSeconds(15);

    @Option(names = "--restore-at", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "30s",
            description = "When A's weight is set back to 100 (default: ${DEFAULT-VALUE}).")
    Duration restoreAt = Duration.ofSeconds(30);

    @Override
    public Integer call() throws Exception {
        double rate = options.rate(2000);
        Duration duration = options.duration(restoreAt.plusSeconds(10).minus(options.warmup));
        try (Testbed bed = Testbed.builder()
                .region(A, 39.04, -77.49, 2)
                .region(B, 33.84, -81.16, 2)
                .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
                .admin()
                .start()) {
            LoadSpec spec = LoadSpec.openLoop(bed.target(), rate, duration)
                    .withWarmup(options.warmup)
                    .withConnections(options.connections(512))
                    .withMix(Testbed.completions(Testbed.NEW_YORK))
                    .withProgress(options.progress());
            HttpClient http = HttpClient.newHttpClient();
            double target = weight / (weight + 100.0);
            long[] callMillis = new long[2];
            try (ScenarioRun run = ScenarioRun.start(spec);
                    TrafficSampler traffic = new TrafficSampler(bed, run.originNanos())) {
                ScenarioRun.Event shift = run.at(shiftAt, "PUT weight " + weight, () -> callMillis[0] = putWeight(http, bed, weight));
                ScenarioRun.Event restore = run.at(restoreAt, "PUT weight 100", () -> callMillis[1] = putWeight(http, bed, 100));
                LoadResult result = run.awaitResult();
                long end = run.nowMillis();
                double before = traffic.averageShare(A, shift.millis() - 5000, shift.millis());
                long toTarget = traffic.convergence(A, target, TOLERANCE, WINDOW_MILLIS, 3, shift.millis(), restore.millis());
                double during = traffic.averageShare(A, restore.millis() - 5000, restore.millis());
                long toEven = traffic.convergence(A, 0.5, TOLERANCE, WINDOW_MILLIS, 3, restore.millis(), end);
                double after = traffic.averageShare(A, end - 5000, end);
                write(bed, run, traffic, result, rate, target, before, during, after, toTarget, toEven, callMillis);
            }
        }
        return 0;
    }

    /** PUT /admin/regions/A/weight; returns how long the call took (ms). */
    static long putWeight(HttpClient http, Testbed bed, int newWeight) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(bed.adminUri() + "/admin/regions/" + A + "/weight"))
                    .header("Authorization", "Bearer " + bed.adminToken())
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\": " + newWeight + "}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("PUT weight: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }


    private void write(Testbed bed, ScenarioRun run, TrafficSampler traffic, LoadResult result, double rate, double target,
            double before, double during, double after, long toTarget, long toEven, long[] callMillis) {
        String title = "weight-shift: " + A + " weight 100 -> " + weight + " -> 100";
        ScenarioReport report = new ScenarioReport("Scenario weight-shift");
        report.paragraph(String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s from clients in New York. "
                + "`%s` (Virginia) and `%s` (South Carolina) are both within the routing tie band (10 ms, about 1000 km) "
                + "of the client, so they share its traffic by weight, 100 each. At %s A's weight is set to %d through the "
                + "admin API (target share %s), at %s back to 100. Two simulated gateways per region (median 20 ms, p99 80 ms). "
                + "Shares are read from `meridian_upstream_attempts_total{region}` every 100 ms over sliding %d ms windows; "
                + "converged = three windows in a row within %d percentage points of the target.",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), A, B, ScenarioReport.seconds(shiftAt.toMillis()), weight,
                FailoverScenario.percent(target), ScenarioReport.seconds(restoreAt.toMillis()), WINDOW_MILLIS, Math.round(TOLERANCE * 100)));
        report.heading("Figures");
        report.table(List.of("", "measured"), List.of(
                List.of("A's share before the change (5 s)", FailoverScenario.percent(before)),
                List.of("admin call PUT weight " + weight + " took", callMillis[0] + " ms"),
                List.of("from the change until the split is within 5 points of " + FailoverScenario.percent(target),
                        ScenarioReport.seconds(toTarget)),
                List.of("A's share in the last 5 s at weight " + weight, FailoverScenario.percent(during)),
                List.of("admin call PUT weight 100 took", callMillis[1] + " ms"),
                List.of("from setting it back until within 5 points of 50 %", ScenarioReport.seconds(toEven)),
                List.of("A's share in the last 5 s", FailoverScenario.percent(after)),
                List.of("client errors", ScenarioReport.errors(result))));
        report.heading("Load");
        report.loadSummary(result);
        report.paragraph("![latency](weight-shift.svg)\n\n![timeline](weight-shift-timeline.svg)");
        int seconds = run.seconds().size();
        double[][] perSecond = traffic.perSecond(seconds);
        report.details("Per second", ScenarioReport.timelineTable(run.seconds(), List.of("to " + A + "/s", "to " + B + "/s"),
                s -> s - 1 < perSecond.length
                        ? List.of(ScenarioReport.number(Math.round(perSecond[s - 1][0])), ScenarioReport.number(Math.round(perSecond[s - 1][1])))
                        : List.of("", "")));
        report.heading("Router configuration");
        report.code("yaml", bed.yaml());
        report.verdict(toTarget >= 0 && toTarget <= 1000, "a weight change takes effect within a second",
                ScenarioReport.seconds(toTarget) + " to " + FailoverScenario.percent(target) + ", "
                        + ScenarioReport.seconds(toEven) + " back to 50 %");
        report.verdict(Math.abs(during - target) <= TOLERANCE, "the split follows the weights",
                FailoverScenario.percent(during) + " at weight " + weight + " (target " + FailoverScenario.percent(target) + ")");
        report.verdict(result.errorCount() == 0, "a weight change costs no errors", ScenarioReport.errors(result));

        List<TimelineSecond> all = run.seconds();
        List<double[]> shares = traffic.shares(A, 1000);
        double[] share = new double[all.size()];
        for (double[] point : shares) {
            int index = (int) Math.round(point[0] / 1000.0) - 1;
            if (index >= 0 && index < share.length && Math.abs(point[0] - (index + 1) * 1000) <= 50) {
                share[index] = point[1] * 100;
            }
        }
        double[] toA = new double[all.size()];
        double[] toB = new double[all.size()];
        for (int i = 0; i < all.size() && i < perSecond.length; i++) {
            toA[i] = perSecond[i][0];
            toB[i] = perSecond[i][1];
        }
        Map<String, double[]> split = new LinkedHashMap<>();
        split.put(A + " share %", share);
        Map<String, double[]> rates = new LinkedHashMap<>();
        rates.put("attempts to " + A, toA);
        rates.put("attempts to " + B, toB);
        TimelinePlot plot = new TimelinePlot(title)
                .panel(A + "'s share of attempts (%, 1 s window)", false, split)
                .panel("attempts per second", false, rates)
                .shade(0, options.warmup.toMillis() / 1000.0, "warm-up");
        run.events().forEach(event -> plot.event(event.seconds(), event.label()));
        ScenarioRun.write(options.out, "weight-shift", title, result, report, plot);
    }
}
