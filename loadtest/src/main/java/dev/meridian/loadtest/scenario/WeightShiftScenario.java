package dev.meridian.loadtest.scenario;

import static dev.meridian.loadtest.scenario.FailoverScenario.percent;

import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.TimelinePlot;
import java.time.Duration;
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

    /** What a run measured: A's share before, during and after, the times to converge, the admin calls' durations. */
    record Findings(ScenarioRun run, double before, double during, double after, long toTarget, long toEven,
            long shiftCallMillis, long restoreCallMillis) {
    }

    @Override
    public Integer call() throws Exception {
        double rate = options.rate(2000);
        Duration duration = options.duration(restoreAt.plusSeconds(10).minus(options.warmup));
        double target = weight / (weight + 100.0);
        long[] callMillis = new long[2];
        String title = "weight-shift: " + A + " weight 100 -> " + weight + " -> 100";
        Scenario<Findings> scenario = Scenario.<Findings>builder("weight-shift", title)
                .testbed(Testbed.builder()
                        .region(A, 39.04, -77.49, 2)
                        .region(B, 33.84, -81.16, 2)
                        .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
                        .admin())
                .load(new Scenario.Load(rate, duration, options.connections(512), null))
                .watch(A, TrafficSampler.Signal.ROUTER_ATTEMPTS)
                .at(shiftAt, "PUT weight " + weight, run -> callMillis[0] = run.bed().putWeight(A, weight))
                .at(restoreAt, "PUT weight 100", run -> callMillis[1] = run.bed().putWeight(A, 100))
                .measure(run -> measure(run, target, callMillis))
                .setup(f -> List.of(setup(rate, target)))
                .sections((f, report) -> report.figures(List.of(
                        List.of("A's share before the change (5 s)", percent(f.before())),
                        List.of("admin call PUT weight " + weight + " took", f.shiftCallMillis() + " ms"),
                        List.of("from the change until the split is within 5 points of " + percent(target),
                                ScenarioReport.seconds(f.toTarget())),
                        List.of("A's share in the last 5 s at weight " + weight, percent(f.during())),
                        List.of("admin call PUT weight 100 took", f.restoreCallMillis() + " ms"),
                        List.of("from setting it back until within 5 points of 50 %", ScenarioReport.seconds(f.toEven())),
                        List.of("A's share in the last 5 s", percent(f.after())),
                        List.of("client errors", ScenarioReport.errors(f.run().result())))))
                .check(f -> Scenario.Verdict.of(f.toTarget() >= 0 && f.toTarget() <= 1000, "a weight change takes effect within a second",
                        ScenarioReport.seconds(f.toTarget()) + " to " + percent(target) + ", "
                                + ScenarioReport.seconds(f.toEven()) + " back to 50 %"))
                .check(f -> Scenario.Verdict.of(Math.abs(f.during() - target) <= TOLERANCE, "the split follows the weights",
                        percent(f.during()) + " at weight " + weight + " (target " + percent(target) + ")"))
                .check(f -> Scenario.Verdict.of(f.run().result().errorCount() == 0, "a weight change costs no errors",
                        ScenarioReport.errors(f.run().result())))
                .timelinePlot(f -> new TimelinePlot(title)
                        .panel(A + "'s share of attempts (%, 1 s window)", false, Map.of(A + " share %", shareSeries(f.run(), A)))
                        .panel("attempts per second", false, f.run().attemptSeries()))
                .build();
        ScenarioRunner.run(scenario, options);
        return 0;
    }

    private Findings measure(ScenarioRun run, double target, long[] callMillis) {
        TrafficSampler traffic = run.traffic();
        long shift = run.events().get(0).millis();
        long restore = run.events().get(1).millis();
        long end = run.endMillis();
        return new Findings(run, traffic.averageShare(A, shift - 5000, shift),
                traffic.averageShare(A, restore - 5000, restore), traffic.averageShare(A, end - 5000, end),
                traffic.convergence(A, target, TOLERANCE, WINDOW_MILLIS, 3, shift, restore),
                traffic.convergence(A, 0.5, TOLERANCE, WINDOW_MILLIS, 3, restore, end), callMillis[0], callMillis[1]);
    }

    private String setup(double rate, double target) {
        return String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s from clients in New York. "
                + "`%s` (Virginia) and `%s` (South Carolina) are both within the routing tie band (10 ms, about 1000 km) "
                + "of the client, so they share its traffic by weight, 100 each. At %s A's weight is set to %d through the "
                + "admin API (target share %s), at %s back to 100. Two simulated gateways per region (median 20 ms, p99 80 ms). "
                + "Shares are read from `meridian_upstream_attempts_total{region}` every 100 ms over sliding %d ms windows; "
                + "converged = three windows in a row within %d percentage points of the target.",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), A, B, ScenarioReport.seconds(shiftAt.toMillis()), weight,
                percent(target), ScenarioReport.seconds(restoreAt.toMillis()), WINDOW_MILLIS, Math.round(TOLERANCE * 100));
    }

    /** {@code region}'s share of attempts (%) over the 1 s window ending at each whole second. */
    static double[] shareSeries(ScenarioRun run, String region) {
        double[] share = new double[run.seconds().size()];
        for (double[] point : run.traffic().shares(region, 1000)) {
            int index = (int) Math.round(point[0] / 1000.0) - 1;
            if (index >= 0 && index < share.length && Math.abs(point[0] - (index + 1) * 1000) <= 50) {
                share[index] = point[1] * 100;
            }
        }
        return share;
    }
}
