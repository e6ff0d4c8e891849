package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelinePlot;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The failure scenarios: steady open-loop load of completions from clients in New York, whose
 * nearest region is {@code us-east4} ("A") and next {@code europe-west2} ("B"); at {@code --fault-at}
 * something happens to A, at {@code --recover-at} it is undone. The report says what clients saw
 * (errors, latency) and how traffic moved (when A stopped getting attempts, when it got them back,
 * how its share settled), read from the router's own metrics every 100 ms.
 *
 * <ul>
 *   <li>{@code region-outage}: every gateway of A goes down (connections refused, in-flight ones cut);
 *       with {@code --reset-connections} its open connections are reset (RST) instead of closed.
 *   <li>{@code black-hole}: every gateway of A hangs (connections accepted, nothing answered).
 *   <li>{@code slow-region}: A answers {@code --slow} (200 ms) later, probes included.
 *   <li>{@code brownout}: half of A's gateways go down.
 * </ul>
 *
 * <p>Each command states its {@link Failure} (what it does to A, the share A should keep, its
 * checks); {@link #scenario()} makes it the {@link Scenario} that {@link ScenarioRunner} plays.
 */
abstract class FailoverScenario implements Callable<Integer> {

    static final String A = "us-east4";
    static final String B = "europe-west2";

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--fault-at", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "20s",
            description = "When the fault starts, since the load started (warm-up included; default: ${DEFAULT-VALUE}).")
    Duration faultAt = Duration.ofSeconds(20);

    @Option(names = "--recover-at", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "40s",
            description = "When the fault ends, since the load started (default: ${DEFAULT-VALUE}).")
    Duration recoverAt = Duration.ofSeconds(40);

    @Option(names = "--health", paramLabel = "defaults|fast", defaultValue = "defaults",
            description = "Health-check timing: the product's defaults (probes every 2 s, 30 s ejections) or fast"
                    + " (probes every 100 ms, 500 ms ejections) (default: ${DEFAULT-VALUE}).")
    String health = "defaults";

    @Option(names = "--replicas", paramLabel = "N", description = "Gateways per region (default: 2; brownout: 4).")
    @Nullable Integer replicas;

    @Option(names = "--latency-median", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "20ms",
            description = "Gateways' median latency (default: ${DEFAULT-VALUE}).")
    Duration latencyMedian = Duration.ofMillis(20);

    @Option(names = "--latency-p99", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "80ms",
            description = "Gateways' p99 latency (default: ${DEFAULT-VALUE}).")
    Duration latencyP99 = Duration.ofMillis(80);

    @Option(names = "--routing-mode", paramLabel = "distance|latency-aware", defaultValue = "distance",
            description = "The router's routing.mode (default: ${DEFAULT-VALUE}).")
    String routingMode = "distance";

    /**
     * One failure scenario as data.
     *
     * @param name   its command and file names
     * @param what   one sentence: what happens to A
     * @param fault  what happens to A's gateways
     * @param share  A's expected share of attempts while the fault lasts, once the router has reacted
     * @param signal which count tells whether A gets traffic (see {@link TrafficSampler})
     * @param checks its verdict lines
     */
    record Failure(String name, String what, RegionFault fault, double share, TrafficSampler.Signal signal,
            List<Function<Findings, Scenario.Verdict>> checks) {
    }

    /** This command's failure, from its options. */
    abstract Failure failure();

    double defaultRate() {
        return 1000;
    }

    int defaultConnections(double rate) {
        return 512;
    }

    Duration generatorTimeout() {
        return Duration.ofSeconds(35);
    }

    int defaultReplicas() {
        return 2;
    }

    /** What a run measured, for the checks. */
    record Findings(ScenarioRun run, long faultMillis, long recoverMillis, long endMillis, double shareBefore,
            double shareDuring, long lastToA, long firstBackToA, long shareSettled, long shareRestored,
            long errorsInFault, long inFlightToA) {

        LoadResult result() {
            return run.result();
        }
    }

    @Override
    public Integer call() throws Exception {
        ScenarioRunner.run(scenario(), options);
        return 0;
    }

    Scenario<Findings> scenario() {
        Testbed.HealthTiming timing = Testbed.HealthTiming.valueOf(health.toUpperCase(Locale.ROOT));
        int perRegion = replicas != null ? replicas : defaultReplicas();
        double rate = options.rate(defaultRate());
        Duration duration = options.duration(recoverAt.plusSeconds(20).minus(options.warmup));
        if (faultAt.compareTo(options.warmup) <= 0 || recoverAt.compareTo(faultAt) <= 0
                || options.warmup.plus(duration).compareTo(recoverAt) <= 0) {
            throw new IllegalArgumentException("expected: warm-up < --fault-at < --recover-at < warm-up + --duration");
        }
        Testbed.Builder testbed = Testbed.builder()
                .region(A, 39.04, -77.49, perRegion)
                .region(B, 51.51, -0.13, perRegion)
                .latency(LatencyModel.of(latencyMedian, latencyP99))
                .health(timing);
        if (!routingMode.equals("distance")) {
            testbed.routing("mode: " + routingMode);
        }
        Failure failure = failure();
        String title = failure.name() + ": " + failure.what();
        Scenario.Builder<Findings> scenario = Scenario.<Findings>builder(failure.name(), title)
                .announcement(String.format(Locale.ROOT, "scenario %s: %s; %s req/s from New York, fault at %s, recovery at %s",
                        failure.name(), failure.what(), ScenarioReport.number(rate), DurationArgument.format(faultAt), DurationArgument.format(recoverAt)))
                .testbed(testbed)
                .load(new Scenario.Load(rate, duration, options.connections(defaultConnections(rate)), generatorTimeout()))
                .watch(A, failure.signal())
                .fault(faultAt, failure.what(), A, failure.fault())
                .undo(recoverAt, A + " recovers", A, failure.fault())
                .measure(run -> analyse(run, failure.share()))
                .setup(f -> List.of(setup(f, failure.what(), rate, timing)))
                .sections((f, report) -> figures(f, report, failure.share()))
                .timelinePlot(f -> new TimelinePlot(title)
                        .panel("time to first byte per second (ms, log scale)", true, f.run().latencySeries())
                        .panel("per second", false, withErrors(f.run().attemptSeries(), f.run().errorSeries())));
        failure.checks().forEach(scenario::check);
        return scenario.build();
    }

    private Findings analyse(ScenarioRun run, double shareDuringFault) {
        TrafficSampler traffic = run.traffic();
        long faultMillis = run.events().get(0).millis();
        long recoverMillis = run.events().get(1).millis();
        long endMillis = run.endMillis();
        double shareBefore = traffic.averageShare(A, faultMillis - 5000, faultMillis);
        long lastToA = traffic.lastAttemptBetween(A, faultMillis, recoverMillis);
        long firstBack = traffic.firstAttemptAfter(A, recoverMillis);
        long settled = traffic.convergence(A, shareDuringFault, 0.05, 1000, 3, faultMillis, recoverMillis);
        long restored = traffic.convergence(A, shareBefore, 0.05, 1000, 3, recoverMillis, endMillis);
        long errorsInFault = run.errorsBetween(faultMillis, recoverMillis + 1000);
        double shareDuring = traffic.averageShare(A, recoverMillis - 5000, recoverMillis);
        return new Findings(run, faultMillis, recoverMillis, endMillis, shareBefore, shareDuring,
                lastToA < 0 ? -1 : lastToA - faultMillis, firstBack < 0 ? -1 : firstBack - recoverMillis,
                settled, restored, errorsInFault, run.events().get(0).inFlight());
    }

    private String setup(Findings f, String what, double rate, Testbed.HealthTiming timing) {
        return String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s from clients in New York "
                + "(`X-Client-Geo-Location: %s`, trusted from loopback); their nearest region is `%s` (A), the next `%s` (B). "
                + "At %s %s; at %s A recovers. Each region has %d simulated gateways answering after a lognormal delay "
                + "(median %s, p99 %s). Health timing: %s. Everything runs in one JVM on loopback (generator, router, gateways).",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), Testbed.NEW_YORK, A, B,
                ScenarioReport.seconds(f.faultMillis()), what, ScenarioReport.seconds(f.recoverMillis()),
                f.run().bed().gateways(A).size(), DurationArgument.format(latencyMedian), DurationArgument.format(latencyP99),
                timing.label());
    }

    private void figures(Findings f, ScenarioReport report, double shareDuringFault) {
        ScenarioRun run = f.run();
        Testbed bed = run.bed();
        LoadResult result = f.result();
        long attempted = Math.max(1, result.sent() + result.unsent());
        report.figures(List.of(
                List.of("client errors, whole run", ScenarioReport.errors(result)),
                List.of("client errors from the fault to 1 s after recovery", f.errorsInFault()
                        + String.format(Locale.ROOT, " (%.3f %% of all requests)", 100.0 * f.errorsInFault() / attempted)),
                List.of("requests in flight to A when the fault began", Long.toString(f.inFlightToA())),
                List.of("longest client wait (time to last byte, from the intended send)",
                        String.format(Locale.ROOT, "%.0f ms", result.total().getMaxValue() / 1000.0)),
                List.of("A's share of attempts before the fault", percent(f.shareBefore())),
                List.of("A's share in the last 5 s of the fault", percent(f.shareDuring())),
                List.of("from the fault to the last attempt to A (100 ms resolution)", ScenarioReport.seconds(f.lastToA())
                        + (f.lastToA() >= 0 ? "" : " (no attempt to A after the fault)")),
                List.of("attempts to A during the fault, by outcome", bed.attemptsByOutcome(A).toString()
                        + " (whole run; " + run.traffic().attemptsBetween(A, f.faultMillis() + 100, f.recoverMillis()) + " during the fault)"),
                List.of("A's share settled within 5 points of " + percent(shareDuringFault) + " after",
                        ScenarioReport.seconds(f.shareSettled())),
                List.of("from recovery to A's first attempt", ScenarioReport.seconds(f.firstBackToA())),
                List.of("from recovery to A's share back within 5 points of before", ScenarioReport.seconds(f.shareRestored())),
                List.of("TTFB p99 per second: median before the fault / worst during / worst after",
                        String.format(Locale.ROOT, "%.1f / %.1f / %.1f ms", run.medianP99Between(options.warmup.toMillis(), f.faultMillis()),
                                run.maxP99Between(f.faultMillis(), f.recoverMillis()), run.maxP99Between(f.recoverMillis(), f.endMillis()))),
                List.of("retries (of which rescued) / failovers counted by the router", bed.counterTotal("meridian.retries")
                        + " (" + bed.counterTotal("meridian.retries", "reason", "rescued") + ") / " + bed.counterTotal("meridian.failovers"))));
        report.paragraph("How these are read: the router's `meridian_upstream_attempts_total{region}` (or, for a hung "
                + "region, the requests its gateways received, since a hung attempt is only counted when it times out) "
                + "is sampled every 100 ms; a region's share is its part of all attempts over a sliding 1 s window, "
                + "\"settled\" means three windows in a row within 5 percentage points of the expected share.");
    }

    /** The attempts per region and, last, the client errors: one panel of the timeline. */
    static Map<String, double[]> withErrors(Map<String, double[]> attempts, double[] errors) {
        Map<String, double[]> series = new LinkedHashMap<>(attempts);
        series.put("errors (client)", errors);
        return series;
    }

    static String percent(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", share * 100);
    }

    /** Traffic came back to A after recovery: the first {@code what} and the whole share. */
    static Scenario.Verdict returns(Findings f, String what) {
        return Scenario.Verdict.of(f.firstBackToA() >= 0, "traffic returns after recovery", ScenarioReport.seconds(f.firstBackToA())
                + " to the first " + what + ", " + ScenarioReport.seconds(f.shareRestored()) + " to the full share");
    }

    /** The verdict every failure scenario states first: clients saw no error. */
    static Scenario.Verdict noErrors(Findings f, String expectation) {
        return Scenario.Verdict.of(f.result().errorCount() == 0, expectation, ScenarioReport.errors(f.result()));
    }

    /** {@code meridian scenario region-outage}. */
    @Command(name = "region-outage", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Kills every gateway of the clients' nearest region under load, then brings them back.",
                "Reports client errors, the time until no attempt goes there, and the time until traffic returns."})
    static final class RegionOutage extends FailoverScenario {
        @Option(names = "--reset-connections",
                description = "The gateways reset their open connections (RST) instead of closing them (reports as region-outage-reset).")
        boolean resetConnections;

        @Override
        Failure failure() {
            return new Failure(resetConnections ? "region-outage-reset" : "region-outage",
                    "every gateway of " + A + " goes down" + (resetConnections ? " and resets its open connections" : ""),
                    resetConnections ? RegionFault.outageWithResets() : RegionFault.outage(), 0, TrafficSampler.Signal.ROUTER_ATTEMPTS,
                    List.of(f -> noErrors(f, "a hard-down region costs clients no errors (DESIGN.md)"),
                            f -> Scenario.Verdict.of(f.lastToA() <= 5000,
                                    "no attempt goes to the dead region within 5 s", ScenarioReport.seconds(f.lastToA())),
                            f -> returns(f, "attempt")));
        }
    }

    /** {@code meridian scenario black-hole}. */
    @Command(name = "black-hole", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Makes every gateway of the nearest region hang (connections accepted, nothing answered) under load.",
                "Reports client errors, the time until no request goes there, and the time until traffic returns."})
    static final class BlackHole extends FailoverScenario {
        @Override
        Failure failure() {
            // A hung attempt is counted when it times out: the gateways' received requests tell when A stops getting traffic.
            return new Failure("black-hole", "every gateway of " + A + " hangs", RegionFault.hang(), 0,
                    TrafficSampler.Signal.GATEWAY_REQUESTS,
                    List.of(f -> Scenario.Verdict.of(f.result().errorCount() == 0,
                                    "a black-holed region costs no errors on a route that may repeat requests: the attempts waiting "
                                            + "there are rescued when it is suspected (DESIGN.md)",
                                    f.result().errorCount() + " errors, " + f.inFlightToA() + " in flight when it hung"),
                            f -> Scenario.Verdict.of(f.lastToA() <= 10_000,
                                    "no request reaches the hung region within 10 s", ScenarioReport.seconds(f.lastToA())),
                            f -> returns(f, "request")));
        }

        @Override
        double defaultRate() {
            return 500;
        }

        @Override
        int defaultConnections(double rate) {
            // Requests sent to A before the router notices wait for the 10 s first-byte timeout.
            return (int) Math.min(15_000, Math.max(512, rate * 8));
        }
    }

    /** {@code meridian scenario slow-region}. */
    @Command(name = "slow-region", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Adds --slow (200 ms) to every answer of the nearest region, probes included, under load.",
                "Reports latency and where traffic goes (with --routing-mode latency-aware it should move)."})
    static final class SlowRegion extends FailoverScenario {
        @Option(names = "--slow", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "200ms",
                description = "Extra delay of A's answers (default: ${DEFAULT-VALUE}).")
        Duration slow = Duration.ofMillis(200);

        @Override
        Failure failure() {
            boolean distance = routingMode.equals("distance");
            Function<Findings, Scenario.Verdict> noErrors = f -> noErrors(f, "a slow region costs no errors");
            List<Function<Findings, Scenario.Verdict>> checks = distance
                    ? List.of(noErrors, f -> Scenario.Verdict.info("distance routing keeps the traffic in the slow region (by "
                            + "design: it ranks by distance; the breaker's slow-call threshold is 30 s); A's share settled at 100 % "
                            + "after " + ScenarioReport.seconds(f.shareSettled())))
                    : List.of(noErrors,
                            f -> Scenario.Verdict.of(f.shareSettled() >= 0 && f.shareSettled() <= 5000,
                                    "latency-aware routing moves a region answering ten times slower (probes too) to the next "
                                            + "region within seconds",
                                    "A's share settled at 0 % after " + ScenarioReport.seconds(f.shareSettled())),
                            f -> Scenario.Verdict.of(f.shareRestored() >= 0,
                                    "A gets its share back after recovery (at most one move per hysteresis period)",
                                    ScenarioReport.seconds(f.shareRestored())));
            return new Failure("slow-region", A + " answers " + DurationArgument.format(slow) + " slower", RegionFault.slow(slow),
                    distance ? 1 : 0, TrafficSampler.Signal.ROUTER_ATTEMPTS, checks);
        }

        @Override
        int defaultConnections(double rate) {
            return (int) Math.max(512, rate * (slow.toMillis() + 300) / 1000);
        }
    }

    /** {@code meridian scenario brownout}. */
    @Command(name = "brownout", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Takes half of the nearest region's gateways down under load, then brings them back.",
                "Reports errors and how the region's share spills (expected: min(1, 1.4 x healthy fraction) = 70 %)."})
    static final class Brownout extends FailoverScenario {
        @Override
        Failure failure() {
            return new Failure("brownout", "half of " + A + "'s gateways go down", RegionFault.halfDown(), Math.min(1, 1.4 * 0.5),
                    TrafficSampler.Signal.ROUTER_ATTEMPTS,
                    List.of(f -> noErrors(f, "endpoints going down hard cost clients no errors"),
                            f -> Scenario.Verdict.of(f.shareSettled() >= 0 && f.shareSettled() <= 2000,
                                    "A keeps min(1, 1.4 x 0.5) = 70 % of its traffic from the first seconds, the rest spills to B "
                                            + "(outlier ejection within a few requests; the breaker stays closed)",
                                    "settled within 5 points of 70 % after " + ScenarioReport.seconds(f.shareSettled())
                                            + "; " + percent(f.shareDuring()) + " in the last 5 s of the fault"),
                            f -> Scenario.Verdict.of(f.shareRestored() >= 0, "A gets its whole share back after recovery",
                                    ScenarioReport.seconds(f.shareRestored()))));
        }

        @Override
        int defaultReplicas() {
            return 4;
        }
    }
}
