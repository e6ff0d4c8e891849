package dev.meridian.loadtest.scenario;

import static dev.meridian.loadtest.scenario.FailoverScenario.percent;

import dev.meridian.config.ConfigDefaults;
import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelinePlot;
import dev.meridian.loadtest.load.TimelineSecond;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario slo-burn}: the SLO controller ({@code src/docs/controller.md}) against a
 * region that degrades without going down. Clients in New York are served by {@code us-east4} (A),
 * the next region being {@code europe-west2} (B). For {@code --fault-duration} A's gateways answer
 * a fraction of requests with 503; retries send those attempts to B, so clients see (almost)
 * nothing, but A burns its error budget, and the controller, in {@code act} mode with windows
 * short enough for the run, turns A's dial down, then back up once A is calm again. The report
 * shows per second A's attempt error ratio, the controller's burn rates, the dials and the regions'
 * shares of attempts, with the controller's decisions.
 */
@Command(name = "slo-burn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A region fails a fraction of its requests for minutes under load; the SLO controller turns its dial down and back up.",
            "Reports the region's SLI, the burn rates, the dials and the traffic shares over time, and client errors.",
            "Defaults: --rate 500, --connections 256, --duration = --before + --fault-duration + --after - --warmup."})
final class SloBurnScenario implements Callable<Integer> {

    static final String A = FailoverScenario.A;
    static final String B = FailoverScenario.B;
    private static final double AVAILABILITY = ConfigDefaults.CONTROLLER_AVAILABILITY;
    private static final double THRESHOLD = ConfigDefaults.CONTROLLER_BURN_THRESHOLD;
    /** Rows of the details table: one per this many seconds. */
    private static final int TABLE_SECONDS = 5;

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--before", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "2m",
            description = "Load before the fault starts, warm-up included (default: ${DEFAULT-VALUE}).")
    Duration before = Duration.ofMinutes(2);

    @Option(names = "--fault-duration", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "10m",
            description = "How long A's gateways fail (default: ${DEFAULT-VALUE}).")
    Duration faultDuration = Duration.ofMinutes(10);

    @Option(names = "--after", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "4m",
            description = "Load after A recovers (default: ${DEFAULT-VALUE}).")
    Duration after = Duration.ofMinutes(4);

    @Option(names = "--error-rate", paramLabel = "PERCENT", defaultValue = "20",
            description = "Percentage of requests A's gateways answer with 503 during the fault (default: ${DEFAULT-VALUE}).")
    double errorRate = 20;

    @Option(names = "--mode", paramLabel = "advise|act", defaultValue = "act",
            description = "The controller's mode (default: ${DEFAULT-VALUE}).")
    String mode = "act";

    @Option(names = "--short-window", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "30s",
            description = "The controller's short window (default: ${DEFAULT-VALUE}).")
    Duration shortWindow = Duration.ofSeconds(30);

    @Option(names = "--long-window", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "2m",
            description = "The controller's long window (default: ${DEFAULT-VALUE}).")
    Duration longWindow = Duration.ofMinutes(2);

    @Option(names = "--cool-down", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "30s",
            description = "The controller's cool-down before each step back up (default: ${DEFAULT-VALUE}).")
    Duration coolDown = Duration.ofSeconds(30);

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "1s",
            description = "How often the controller samples and judges; the report reads it as often (default: ${DEFAULT-VALUE}).")
    Duration interval = Duration.ofSeconds(1);

    /**
     * What a run measured. Times are milliseconds since the load started; {@code firstDown} and
     * {@code backToBaseline} count from the fault and from the recovery (-1: never).
     */
    record Findings(ScenarioRun run, List<ControllerSampler.Reading> readings, List<ControllerSampler.Decision> decisions,
            long faultMillis, long recoverMillis, double shareBefore, double shareDuring, double shareAfter,
            long firstDown, int lowestDial, long backToBaseline, long errorsInFault) {

        LoadResult result() {
            return run.result();
        }

        /** The decisions about A that moved its dial (act) or would have (advise). */
        List<ControllerSampler.Decision> steps() {
            return decisions.stream().filter(d -> d.region().equals(A) && !d.action().equals("hold")).toList();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("act") && !mode.equals("advise")) {
            throw new IllegalArgumentException("--mode: " + mode + " (expected: advise or act)");
        }
        Duration recoverAt = before.plus(faultDuration);
        Duration duration = options.duration(recoverAt.plus(after).minus(options.warmup));
        if (before.compareTo(options.warmup) <= 0 || faultDuration.isNegative() || faultDuration.isZero()
                || options.warmup.plus(duration).compareTo(recoverAt) <= 0) {
            throw new IllegalArgumentException("expected: warm-up < --before, a positive --fault-duration, and load after it");
        }
        double rate = options.rate(500);
        ControllerSampler[] sampler = new ControllerSampler[1];
        RegionFault fault = RegionFault.errors(503, errorRate / 100);
        String what = String.format(Locale.ROOT, "%s fails %s %% of requests (503)", A, ScenarioReport.number(errorRate));
        String title = "slo-burn: " + what + " for " + DurationArgument.format(faultDuration) + ", controller " + mode;
        Scenario<Findings> scenario = Scenario.<Findings>builder("slo-burn", title)
                .announcement(String.format(Locale.ROOT, "scenario slo-burn: %s from %s to %s; %s req/s from New York; controller %s",
                        what, DurationArgument.format(before), DurationArgument.format(recoverAt), ScenarioReport.number(rate), mode))
                .testbed(Testbed.builder()
                        .region(A, 39.04, -77.49, 2)
                        .region(B, 51.51, -0.13, 2)
                        .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
                        .section(controllerYaml())
                        // Outlier detection would eject a replica failing five times in a row, which at these
                        // rates happens every few seconds at 20 %: off in effect, so that the controller alone moves traffic.
                        .section("health:\n  outlier: {consecutive-failures: 1000}\n")
                        .admin())
                .load(new Scenario.Load(rate, duration, options.connections(256), null))
                .watch(A, TrafficSampler.Signal.ROUTER_ATTEMPTS)
                .companion(run -> sampler[0] = ControllerSampler.start(run, A, interval.toMillis()))
                .fault(before, what, A, fault)
                .undo(recoverAt, A + " recovers", A, fault)
                .measure(run -> measure(run, sampler[0]))
                .setup(f -> List.of(setup(rate)))
                .sections(this::sections)
                .details(f -> new Scenario.Details("Every " + TABLE_SECONDS + " s", table(f)))
                .check(this::turnedDown)
                .check(this::shareFell)
                .check(this::returned)
                .check(f -> Scenario.Verdict.of(f.result().errorCount() <= (f.result().sent() + f.result().unsent()) * (1 - AVAILABILITY),
                        "retries hide the fault: client errors stay within the availability objective's "
                                + percent(1 - AVAILABILITY), ScenarioReport.errors(f.result())))
                .timelinePlot(f -> timeline(f, title))
                .build();
        ScenarioRunner.run(scenario, options);
        return 0;
    }

    private String controllerYaml() {
        return "slo-controller:\n  mode: " + mode + "\n"
                + "  windows: {short: " + DurationArgument.format(shortWindow) + ", long: " + DurationArgument.format(longWindow) + "}\n"
                + "  cool-down: " + DurationArgument.format(coolDown) + "\n"
                + "  interval: " + DurationArgument.format(interval) + "\n";
    }

    /** The burn rate of A's availability while the fault lasts. */
    private double expectedBurn() {
        return errorRate / 100 / (1 - AVAILABILITY);
    }

    /**
     * The latest the controller should turn A down (ms after the fault): once the failing part of
     * the long window, {@code threshold / burn} of it, is filled, plus one interval until the next
     * sample, one for the sample the window starts at, and one second for this report's reading.
     */
    private long turnDownBound() {
        return Math.round(THRESHOLD / expectedBurn() * longWindow.toMillis()) + 2 * interval.toMillis() + 1000;
    }

    private Findings measure(ScenarioRun run, ControllerSampler sampler) {
        TrafficSampler traffic = run.traffic();
        long faultMillis = run.events().get(0).millis();
        long recoverMillis = run.events().get(1).millis();
        long end = run.endMillis();
        List<ControllerSampler.Reading> readings = sampler.readings();
        List<ControllerSampler.Decision> decisions = sampler.decisions();
        long firstDown = -1;
        for (ControllerSampler.Decision decision : decisions) {
            if (decision.region().equals(A) && decision.action().equals("down") && decision.millis() >= faultMillis) {
                firstDown = decision.millis() - faultMillis;
                break;
            }
        }
        int lowest = 100;
        long backToBaseline = -1;
        for (ControllerSampler.Reading reading : readings) {
            int dial = reading.dials().getOrDefault(A, 100);
            lowest = Math.min(lowest, dial);
            if (reading.millis() >= recoverMillis && backToBaseline < 0 && lowest < 100 && dial == 100) {
                backToBaseline = reading.millis() - recoverMillis;
            }
        }
        long lastMinute = Math.min(60_000, (recoverMillis - faultMillis) / 2);
        long tail = Math.min(30_000, (end - recoverMillis) / 2);
        return new Findings(run, readings, decisions, faultMillis, recoverMillis,
                traffic.averageShare(A, Math.max(run.result().spec().warmup().toMillis(), faultMillis - 60_000), faultMillis),
                traffic.averageShare(A, recoverMillis - lastMinute, recoverMillis), traffic.averageShare(A, end - tail, end),
                firstDown, lowest, backToBaseline, run.errorsBetween(faultMillis, recoverMillis + 1000));
    }

    private String setup(double rate) {
        return String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s from clients in New York "
                + "(`X-Client-Geo-Location: %s`); their nearest region is `%s` (A), the next `%s` (B), two simulated gateways each "
                + "(median 20 ms, p99 80 ms). From %s, for %s, A's gateways answer %s %% of requests with 503 (the simulated "
                + "gateway's `errors` fault; their liveness probe stays up, so health checks see nothing); the route retries "
                + "(`retry: {max-attempts: 3, non-idempotent: true}`), so the failed attempts are repeated, mostly in B. "
                + "The SLO controller runs in `%s` mode with windows %s / %s, cool-down %s, interval %s and the product's other "
                + "defaults (availability 99.9 %%, burn threshold %s, step 50 %%, floor 10 %%); A burns at %s while the fault lasts. "
                + "Outlier detection is off in effect (`consecutive-failures: 1000`), so that what moves traffic is the controller. "
                + "Every %s the report reads `GET /admin/controller` (burn rates, next action), `GET /admin/regions` (dials) and "
                + "the router's `meridian_upstream_attempts_total` (A's attempt error ratio, counted as the controller counts it); "
                + "shares are each region's part of all attempts over 1 s. Everything runs in one JVM on loopback.",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), Testbed.NEW_YORK, A, B, DurationArgument.format(before),
                DurationArgument.format(faultDuration), ScenarioReport.number(errorRate), mode, DurationArgument.format(shortWindow),
                DurationArgument.format(longWindow), DurationArgument.format(coolDown), DurationArgument.format(interval),
                ScenarioReport.number(THRESHOLD), ScenarioReport.number(Math.round(expectedBurn())), DurationArgument.format(interval));
    }

    private void sections(Findings f, ScenarioReport report) {
        Testbed bed = f.run().bed();
        report.figures(List.of(
                List.of("fault", ScenarioReport.seconds(f.faultMillis()) + " to " + ScenarioReport.seconds(f.recoverMillis())
                        + " after the load started"),
                List.of("from the fault to the first step down of A's dial" + (mode.equals("advise") ? " (advised)" : ""),
                        ScenarioReport.seconds(f.firstDown())),
                List.of("A's lowest dial", f.lowestDial() + " %"),
                List.of("from recovery until A's dial is back at 100 %", ScenarioReport.seconds(f.backToBaseline())),
                List.of("A's share of attempts: in the minute before the fault / at the end of the fault / at the end of the run",
                        percent(f.shareBefore()) + " / " + percent(f.shareDuring()) + " / " + percent(f.shareAfter())),
                List.of("client errors, whole run", ScenarioReport.errors(f.result())),
                List.of("client errors from the fault to 1 s after recovery", Long.toString(f.errorsInFault())),
                List.of("attempts to A by outcome (whole run)", bed.attemptsByOutcome(A).toString()),
                List.of("retries (of which rescued)", bed.counterTotal("meridian.retries") + " ("
                        + bed.counterTotal("meridian.retries", "reason", "rescued") + ")")));
        report.heading("Controller decisions");
        List<List<String>> rows = new ArrayList<>();
        for (ControllerSampler.Decision decision : f.decisions()) {
            rows.add(List.of(ScenarioReport.seconds(decision.millis()), decision.region(), decision.action(),
                    decision.from() + " % → " + decision.to() + " %", decision.result(), decision.reason().replace("|", "\\|")));
        }
        if (rows.isEmpty()) {
            report.paragraph("None.");
        } else {
            report.table(List.of("at", "region", "action", "dial", "result", "why"), rows);
        }
    }

    private Scenario.Verdict turnedDown(Findings f) {
        long bound = turnDownBound();
        String how = String.format(Locale.ROOT, "%s after the fault (bound %s: %.1f %% of the %s long window, where burn %s "
                + "exceeds %s, plus two intervals and 1 s of reading)", ScenarioReport.seconds(f.firstDown()),
                ScenarioReport.seconds(bound), 100 * THRESHOLD / expectedBurn(), DurationArgument.format(longWindow),
                ScenarioReport.number(Math.round(expectedBurn())), ScenarioReport.number(THRESHOLD));
        if (expectedBurn() <= THRESHOLD) {
            return Scenario.Verdict.of(f.firstDown() < 0, "a burn below the threshold moves no dial", how);
        }
        return Scenario.Verdict.of(f.firstDown() >= 0 && f.firstDown() <= bound, "the controller "
                + (mode.equals("act") ? "turns" : "advises turning") + " A's dial down within " + ScenarioReport.seconds(bound)
                + " of the fault", how);
    }

    private Scenario.Verdict shareFell(Findings f) {
        String measured = percent(f.shareBefore()) + " before, " + percent(f.shareDuring()) + " at the end of the fault (dial "
                + f.lowestDial() + " %)";
        if (mode.equals("advise")) {
            return Scenario.Verdict.of(f.lowestDial() == 100, "in advise mode no dial moves", measured);
        }
        return Scenario.Verdict.of(f.shareDuring() <= f.shareBefore() / 2, "A's share of attempts falls to half or less", measured);
    }

    private Scenario.Verdict returned(Findings f) {
        String measured = ScenarioReport.seconds(f.backToBaseline()) + " after recovery (short window "
                + DurationArgument.format(shortWindow) + ", then a step up per cool-down of " + DurationArgument.format(coolDown) + ")";
        if (mode.equals("advise") || f.lowestDial() == 100) {
            return Scenario.Verdict.info("A's dial never left 100 %");
        }
        return Scenario.Verdict.of(f.backToBaseline() >= 0, "A's dial is back at 100 % after recovery and cool-down", measured);
    }

    private TimelinePlot timeline(Findings f, String title) {
        int n = f.run().seconds().size();
        Map<String, double[]> burn = new LinkedHashMap<>();
        burn.put("short window", perSecond(f.readings(), n, ControllerSampler.Reading::burnShort));
        burn.put("long window", perSecond(f.readings(), n, ControllerSampler.Reading::burnLong));
        double[] threshold = new double[n];
        Arrays.fill(threshold, THRESHOLD);
        burn.put("threshold", threshold);
        Map<String, double[]> dials = new LinkedHashMap<>();
        Map<String, double[]> shares = new LinkedHashMap<>();
        for (String region : f.run().traffic().regions()) {
            dials.put(region + " dial", perSecond(f.readings(), n, r -> r.dials().getOrDefault(region, 100)));
            shares.put(region + " share", WeightShiftScenario.shareSeries(f.run(), region));
        }
        return new TimelinePlot(title)
                .panel(A + "'s attempt error ratio (%, per second)", false, Map.of("error ratio", errorRatioSeries(f.readings(), n)))
                .panel("availability burn rate (controller's windows)", false, burn)
                .panel("dial (%)", false, dials)
                .panel("share of attempts (%, 1 s window)", false, shares)
                .panel("client errors per second", false, Map.of("errors (client)", f.run().errorSeries()));
    }

    /** The last reading at or before the end of each second, through {@code value}; 0 before the first and for NaN. */
    private static double[] perSecond(List<ControllerSampler.Reading> readings, int seconds,
            ToDoubleFunction<ControllerSampler.Reading> value) {
        double[] series = new double[seconds];
        int next = 0;
        double last = 0;
        for (int i = 0; i < seconds; i++) {
            while (next < readings.size() && readings.get(next).millis() <= (i + 1) * 1000L) {
                double v = value.applyAsDouble(readings.get(next++));
                last = Double.isNaN(v) ? 0 : v;
            }
            series[i] = last;
        }
        return series;
    }

    /** A's attempt error ratio (%) in each second, from the readings' cumulative counts; 0 without attempts. */
    private static double[] errorRatioSeries(List<ControllerSampler.Reading> readings, int seconds) {
        double[] attempts = perSecond(readings, seconds, ControllerSampler.Reading::attempts);
        double[] failures = perSecond(readings, seconds, ControllerSampler.Reading::failures);
        double[] ratio = new double[seconds];
        for (int i = 1; i < seconds; i++) {
            double tried = attempts[i] - attempts[i - 1];
            ratio[i] = tried > 0 ? 100 * (failures[i] - failures[i - 1]) / tried : 0;
        }
        return ratio;
    }

    /** Every {@value #TABLE_SECONDS} s: load, client errors, A's SLI, the burn rates, the dials and the shares. */
    private static String table(Findings f) {
        List<TimelineSecond> seconds = f.run().seconds();
        int n = seconds.size();
        double[] attempts = perSecond(f.readings(), n, ControllerSampler.Reading::attempts);
        double[] failures = perSecond(f.readings(), n, ControllerSampler.Reading::failures);
        double[] burnShort = perSecond(f.readings(), n, ControllerSampler.Reading::burnShort);
        double[] burnLong = perSecond(f.readings(), n, ControllerSampler.Reading::burnLong);
        double[] dialA = perSecond(f.readings(), n, r -> r.dials().getOrDefault(A, 100));
        double[] dialB = perSecond(f.readings(), n, r -> r.dials().getOrDefault(B, 100));
        double[] shareA = WeightShiftScenario.shareSeries(f.run(), A);
        double[] shareB = WeightShiftScenario.shareSeries(f.run(), B);
        StringBuilder table = new StringBuilder("| second | sent | client errors | " + A + " attempt errors | burn short | burn long | "
                + A + " dial | " + B + " dial | " + A + " share | " + B + " share |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int end = TABLE_SECONDS; end <= n; end += TABLE_SECONDS) {
            int from = end - TABLE_SECONDS;
            long sent = 0;
            long errors = 0;
            double a = 0;
            double b = 0;
            for (int i = from; i < end; i++) {
                sent += seconds.get(i).sent();
                errors += seconds.get(i).errors();
                a += shareA[i];
                b += shareB[i];
            }
            double tried = attempts[end - 1] - (from == 0 ? 0 : attempts[from - 1]);
            double failed = failures[end - 1] - (from == 0 ? 0 : failures[from - 1]);
            table.append(String.format(Locale.ROOT, "| %d | %d | %d | %s | %.1f | %.1f | %.0f %% | %.0f %% | %.1f %% | %.1f %% |%n",
                    end, sent, errors, tried > 0 ? String.format(Locale.ROOT, "%.1f %%", 100 * failed / tried) : "-",
                    burnShort[end - 1], burnLong[end - 1], dialA[end - 1], dialB[end - 1], a / TABLE_SECONDS, b / TABLE_SECONDS));
        }
        return table.toString();
    }
}
