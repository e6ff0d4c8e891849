package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.LatencyMeasure;
import dev.meridian.loadtest.load.LoadGenerator;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelinePlot;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.TimelineSecond;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario baseline}: the router in front of one region of two gateways that answer
 * at once, at fixed open-loop rates below saturation and then in a closed loop (saturation), one
 * run after the other. Reports achieved rate and time-to-first-byte percentiles per run.
 */
@Command(name = "baseline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fixed rates below saturation and a closed-loop saturation run through the router (in-process).",
            "Reports achieved rate and p50/p99/p99.9 time to first byte per run."})
final class BaselineScenario implements Callable<Integer> {

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--rates", paramLabel = "LIST", split = ",", defaultValue = "1000,2000,5000",
            description = "Open-loop rates, comma separated (default: ${DEFAULT-VALUE}).")
    List<Double> rates = List.of(1000.0, 2000.0, 5000.0);

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "64",
            description = "Closed-loop concurrency of the saturation run; 0 skips it (default: ${DEFAULT-VALUE}).")
    int concurrency = 64;

    @Override
    public Integer call() {
        Duration duration = options.duration(Duration.ofSeconds(10));
        Map<String, LoadResult> results = new LinkedHashMap<>();
        List<List<String>> rows = new ArrayList<>();
        String yaml;
        List<TimelineSecond> saturationSeconds = List.of();
        try (Testbed bed = Testbed.builder().region("us-east4", 39.04, -77.49, 2).latency(LatencyModel.none()).start()) {
            yaml = bed.yaml();
            for (double rate : rates) {
                LoadSpec spec = LoadSpec.openLoop(bed.target(), rate, duration)
                        .withWarmup(options.warmup)
                        .withConnections(options.connections(64))
                        .withMix(Testbed.completions(Testbed.NEW_YORK))
                        .withProgress(options.progress());
                System.err.printf("baseline: %s req/s for %s%n", ScenarioReport.number(rate), DurationArgument.format(duration));
                LoadResult result = LoadGenerator.run(spec);
                results.put(ScenarioReport.number(rate) + " req/s", result);
                rows.add(row(ScenarioReport.number(rate) + " req/s", result));
            }
            if (concurrency > 0) {
                List<TimelineSecond> seconds = new ArrayList<>();
                LoadSpec spec = LoadSpec.closedLoop(bed.target(), concurrency, duration)
                        .withWarmup(options.warmup)
                        .withMix(Testbed.completions(Testbed.NEW_YORK))
                        .withProgress(options.progress())
                        .withListener(seconds::add);
                System.err.printf("baseline: closed loop, concurrency %d for %s%n", concurrency, DurationArgument.format(duration));
                LoadResult result = LoadGenerator.run(spec);
                results.put("saturation (closed loop " + concurrency + ")", result);
                rows.add(row("saturation, closed loop " + concurrency, result));
                saturationSeconds = seconds;
            }
        }
        ScenarioReport report = new ScenarioReport("Scenario baseline");
        report.paragraph("The router in front of one region of two simulated gateways that answer at once (no simulated "
                + "latency), `POST " + Testbed.COMPLETIONS + "` with a location header; each run "
                + DurationArgument.format(duration) + " measured after a " + DurationArgument.format(options.warmup)
                + " warm-up, one after the other. The load generator, the router and the gateways share this machine's "
                + Runtime.getRuntime().availableProcessors() + " cores in one JVM, so these figures are the whole loop's, "
                + "not the router's alone: `loadtest/bench/side-by-side.sh` measures the router's added latency with each "
                + "program on its own core.");
        report.table(List.of("run", "achieved req/s", "errors", "TTFB p50", "TTFB p99", "TTFB p99.9", "TTFB max"), rows);
        report.paragraph("![latency](baseline.svg)");
        report.heading("Router configuration");
        report.code("yaml", yaml);
        for (Map.Entry<String, LoadResult> entry : results.entrySet()) {
            LoadResult result = entry.getValue();
            if (result.spec().rate() > 0) {
                report.verdict(result.errorCount() == 0 && result.achievedRate() >= result.spec().rate() * 0.99,
                        "the router holds " + entry.getKey() + " without errors",
                        String.format(Locale.ROOT, "%.0f req/s achieved, %d errors", result.achievedRate(), result.errorCount()));
            } else {
                report.info(String.format(Locale.ROOT, "saturation throughput (generator, router and gateways on %d shared cores): %.0f req/s",
                        Runtime.getRuntime().availableProcessors(), result.achievedRate()));
            }
        }
        Map<String, Histogram> series = new LinkedHashMap<>();
        results.forEach((label, result) -> series.put(label, result.histogram(LatencyMeasure.TTFB)));
        Path directory = options.out;
        report.writeTo(directory.resolve("baseline.md"));
        dev.meridian.loadtest.load.LatencyPlot.of("baseline: time to first byte through the router", series)
                .writeTo(directory.resolve("baseline.svg"));
        for (LoadResult result : results.values()) {
            result.writeJson(directory.resolve(result.spec().rate() > 0
                    ? "baseline-rate" + ScenarioReport.number(result.spec().rate()) + ".json" : "baseline-saturation.json"));
        }
        if (!saturationSeconds.isEmpty()) {
            double[] rate = new double[saturationSeconds.size()];
            double[] p99 = new double[saturationSeconds.size()];
            for (int i = 0; i < rate.length; i++) {
                rate[i] = saturationSeconds.get(i).completed();
                p99[i] = saturationSeconds.get(i).ttfbP99Millis();
            }
            new TimelinePlot("baseline: closed-loop saturation run")
                    .panel("responses per second", false, Map.of("responses", rate))
                    .panel("TTFB p99 per second (ms)", false, Map.of("p99", p99))
                    .shade(0, options.warmup.toMillis() / 1000.0, "warm-up")
                    .writeTo(directory.resolve("baseline-timeline.svg"));
        }
        report.printVerdicts();
        System.out.println("wrote " + directory.resolve("baseline.md") + ", baseline.svg, baseline-timeline.svg, baseline-*.json");
        return 0;
    }

    private static List<String> row(String label, LoadResult result) {
        Histogram ttfb = result.ttfb();
        return List.of(label, String.format(Locale.ROOT, "%.0f", result.achievedRate()), Long.toString(result.errorCount()),
                ScenarioReport.ms(ttfb.getValueAtPercentile(50)), ScenarioReport.ms(ttfb.getValueAtPercentile(99)),
                ScenarioReport.ms(ttfb.getValueAtPercentile(99.9)), ScenarioReport.ms(ttfb.getMaxValue()));
    }
}
