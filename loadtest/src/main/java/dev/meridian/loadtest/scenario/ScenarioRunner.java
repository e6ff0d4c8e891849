package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelinePlot;
import dev.meridian.loadtest.load.LoadSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays a {@link Scenario}: starts its testbed and load, runs its steps on time, measures, and
 * writes {@code OUT/NAME.md} (set-up, the scenario's sections, the load summary, the per-second
 * details, the router's configuration, verdicts), {@code NAME.svg} (latency by percentile),
 * {@code NAME-timeline.svg} and {@code NAME.json} (the generator's result).
 */
final class ScenarioRunner {

    private ScenarioRunner() {
    }

    static <F> void run(Scenario<F> scenario, ScenarioOptions options) throws Exception {
        if (!scenario.announcement().isEmpty()) {
            System.err.println(scenario.announcement());
        }
        Scenario.Load load = scenario.load();
        try (Testbed bed = scenario.testbed().start()) {
            LoadSpec spec = LoadSpec.openLoop(bed.target(), load.rate(), load.duration())
                    .withWarmup(options.warmup)
                    .withConnections(load.connections())
                    .withMix(Testbed.completions(Testbed.NEW_YORK))
                    .withProgress(options.progress());
            if (load.timeout() != null) {
                spec = spec.withTimeout(load.timeout());
            }
            try (ScenarioRun run = ScenarioRun.start(bed, spec, scenario.watched(), scenario.signal())) {
                List<AutoCloseable> companions = new ArrayList<>();
                try {
                    for (var start : scenario.companions()) {
                        companions.add(start.apply(run));
                    }
                    for (Scenario.Step step : scenario.timeline()) {
                        run.play(step);
                    }
                    run.finish();
                    F findings = scenario.measure().apply(run);
                    write(scenario, options, run, findings);
                } finally {
                    for (int i = companions.size() - 1; i >= 0; i--) {
                        companions.get(i).close();
                    }
                }
            }
        }
    }

    private static <F> void write(Scenario<F> scenario, ScenarioOptions options, ScenarioRun run, F findings) {
        String name = scenario.name();
        LoadResult result = run.result();
        ScenarioReport report = new ScenarioReport("Scenario " + name);
        scenario.setup().apply(findings).forEach(report::paragraph);
        scenario.sections().accept(findings, report);
        report.heading("Load");
        report.loadSummary(result);
        report.paragraph("![latency](" + name + ".svg)\n\n![timeline](" + name + "-timeline.svg)");
        Scenario.Details details = scenario.details() != null ? scenario.details().apply(findings)
                : scenario.signal() != null ? new Scenario.Details("Per second", run.perSecondTable()) : null;
        if (details != null) {
            report.details(details.summary(), details.markdown());
        }
        report.heading("Router configuration");
        report.code("yaml", run.bed().yaml());
        scenario.checks().forEach(check -> report.verdict(check.apply(findings)));

        TimelinePlot timeline = scenario.timelinePlot().apply(findings)
                .shade(0, options.warmup.toMillis() / 1000.0, "warm-up");
        for (ScenarioRun.Event event : run.events()) {
            if (event.marker() != null) {
                timeline.event(event.seconds(), event.marker());
            }
        }

        Path directory = options.out;
        Path markdown = directory.resolve(name + ".md");
        report.writeTo(markdown);
        result.writeSvgPlot(directory.resolve(name + ".svg"), scenario.title());
        result.writeJson(directory.resolve(name + ".json"));
        timeline.writeTo(directory.resolve(name + "-timeline.svg"));
        report.printVerdicts();
        System.out.printf("wrote %s, %s.svg, %s-timeline.svg, %s.json%n", markdown, name, name, name);
    }
}
