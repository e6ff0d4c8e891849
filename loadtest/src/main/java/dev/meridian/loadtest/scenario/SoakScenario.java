package dev.meridian.loadtest.scenario;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.TimelinePlot;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario soak}: steady open-loop load through the router for {@code --duration}
 * (default 10 minutes) with the failure scenarios cycling underneath (every {@code --cycle-every}:
 * the nearest region hard down, black-holed, half down, its weight shifted; see {@link SoakPlan}),
 * and a light control traffic from clients whose region no fault touches. Every
 * {@code --sample-every} (10 s) it reads the heap left after garbage collection, Netty's direct
 * memory, open descriptors and the router's client and upstream connections; at each cycle's start
 * and end it reads them again. The report (soak.md) states computed verdicts against the thresholds
 * it prints: heap and direct memory flat after the settling time (least-squares slope per 10
 * minutes), descriptors and connections back to the baseline after every cycle, the control
 * traffic's p50 and p99 in the last minutes against the first, and the client errors each fault
 * cost.
 *
 * <pre>{@code
 * meridian scenario soak --duration 30m --out results/
 * meridian scenario soak --duration 2m --cycle-every 1m --fault-for 5s --out results/
 * }</pre>
 *
 * <p>Memory and descriptors are the whole JVM's: the load generators, the router and the gateways
 * run in it together.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Steady load through the router for --duration (default 10m) with region outages, black holes,",
            "brownouts and weight shifts cycling underneath: heap after GC, direct memory, fds, connections,",
            "control-traffic latency per minute, errors per fault, and computed verdicts on drift and leaks."})
final class SoakScenario implements Callable<Integer> {

    static final String A = "us-east4";
    /** Inside the tie band of New York with A: the two share its traffic by weight, and C takes A's when A fails. */
    static final String C = "us-east1";
    /** Where the control traffic goes; no fault touches it. */
    static final String B = "europe-west2";
    static final String LONDON = "51.51,-0.13";

    /** Verdict thresholds, printed in the report. */
    static final double HEAP_SLOPE_LIMIT_MIB = 16;
    static final double DIRECT_SLOPE_LIMIT_MIB = 8;
    static final double FD_SLACK_RATIO = 0.10;
    static final double FD_SLACK = 32;
    /**
     * Generous: while the load goes on, a pool keeps the connections its concurrency peaks opened
     * (each is reused before it idles for {@link #UPSTREAM_IDLE}), so a stall adds a few dozen for
     * a while; a leak grows without bound and still shows.
     */
    static final double CONNECTION_SLACK_RATIO = 0.5;
    static final double CONNECTION_SLACK = 32;
    static final double P50_DRIFT_RATIO = 1.25;
    static final double P50_DRIFT_MILLIS = 1;
    static final double P99_DRIFT_RATIO = 1.5;
    static final double P99_DRIFT_MILLIS = 5;
    /** Upstream connections idle this long are closed (the router's default is 60 s), so a cycle's quiet tail can shed them. */
    static final String UPSTREAM_IDLE = "5s";
    static final String ROUTE = "    retry: {max-attempts: 3, non-idempotent: true}\n"
            + "    timeouts: {connect: 1s, first-byte: 2s, idle: 10s, total: 30s}\n";

    private static final double MIB = 1024 * 1024;

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--cycle-every", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "5m",
            description = "One cycle of faults: outage, black hole, brownout, weight shift, then quiet (default: ${DEFAULT-VALUE}).")
    Duration cycleEvery = Duration.ofMinutes(5);

    @Option(names = "--fault-for", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "20s",
            description = "How long each fault lasts, and the quiet between them; at most --cycle-every / 9 (default: ${DEFAULT-VALUE}).")
    Duration faultFor = Duration.ofSeconds(20);

    @Option(names = "--sample-every", paramLabel = "DURATION", converter = DurationArgument.class, defaultValue = "10s",
            description = "How often memory, descriptors and connections are read (default: ${DEFAULT-VALUE}).")
    Duration sampleEvery = Duration.ofSeconds(10);

    @Option(names = "--control-rate", paramLabel = "N", defaultValue = "20",
            description = "Requests per second of the control traffic, from London to " + B + " (default: ${DEFAULT-VALUE}).")
    double controlRate = 20;

    @Option(names = "--health", paramLabel = "defaults|fast", defaultValue = "fast",
            description = "Health-check timing (see the failover scenarios; default: ${DEFAULT-VALUE}).")
    String health = "fast";

    /** One reading of the process and the router; -1 where a figure is not available. */
    record Reading(long millis, long heapUsed, long heapAfterGc, long pooledDirect, long nettyDirect, long fds,
            long clientConnections, long upstreamConnections, long gatewayConnections) {
    }

    /** What one fault of one cycle cost: client errors from its start to the end of the quiet after it (-1 until counted). */
    record StepOutcome(SoakPlan.Step step, long errors, long inFlightToA) {
    }

    /** One cycle: its faults, and the readings just before its first fault and at its end. */
    record CycleOutcome(SoakPlan.Cycle cycle, Reading before, Reading after, List<StepOutcome> steps, long errors) {
    }

    /** What a run measured: the readings, each cycle's outcome, the control traffic's minutes. */
    record Findings(ScenarioRun run, List<Reading> readings, List<CycleOutcome> cycles, List<ControlTraffic.Minute> control) {
    }

    @Override
    public Integer call() throws Exception {
        double rate = options.rate(500);
        Duration duration = options.duration(Duration.ofMinutes(10));
        SoakPlan plan = new SoakPlan(options.warmup, duration, cycleEvery, faultFor);
        if (sampleEvery.toMillis() < 100) {
            throw new IllegalArgumentException("sample-every: " + DurationArgument.format(sampleEvery) + " (expected: at least 100ms)");
        }
        Testbed.HealthTiming timing = Testbed.HealthTiming.valueOf(health.toUpperCase(Locale.ROOT));
        try (HeapAfterGc gc = new HeapAfterGc()) {
            ScenarioRunner.run(scenario(plan, rate, duration, timing, gc), options);
        }
        return 0;
    }

    private Scenario<Findings> scenario(SoakPlan plan, double rate, Duration duration, Testbed.HealthTiming timing, HeapAfterGc gc) {
        List<Reading> readings = new ArrayList<>();
        Map<Integer, Reading> before = new HashMap<>();
        Map<Integer, Reading> after = new HashMap<>();
        List<ControlTraffic> control = new ArrayList<>(1);
        Scenario.Builder<Findings> scenario = Scenario.<Findings>builder("soak", "soak: time to first byte, " + ScenarioReport.number(rate) + " req/s")
                .announcement(String.format(Locale.ROOT, "soak: %s req/s for %s, %d cycle(s) of %s, faults of %s", ScenarioReport.number(rate),
                        DurationArgument.format(duration), plan.cycles().size(), DurationArgument.format(cycleEvery),
                        DurationArgument.format(faultFor)))
                .testbed(Testbed.builder()
                        .region(A, 39.04, -77.49, 4)
                        .region(C, 33.84, -81.16, 2)
                        .region(B, 51.51, -0.13, 2)
                        .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
                        .health(timing)
                        .upstream("idle-timeout: " + UPSTREAM_IDLE)
                        .route(ROUTE)
                        .admin())
                .load(new Scenario.Load(rate, duration, options.connections((int) Math.min(15_000, Math.max(512, rate * 4))),
                        Duration.ofSeconds(15)))
                .watch(A, null)
                .companion(run -> sampleEvery(run, gc, readings))
                .companion(run -> {
                    long measured = run.originNanos() + options.warmup.toNanos();
                    ControlTraffic traffic = ControlTraffic.start(run.bed().target(), controlRate, Testbed.completions(LONDON),
                            measured, measured + duration.toNanos());
                    control.add(traffic);
                    return traffic;
                });
        for (SoakPlan.Cycle cycle : plan.cycles()) {
            scenario.observe(Duration.ofMillis(cycle.firstFaultMillis()),
                    run -> before.put(cycle.number(), read(run.bed(), gc, run.nowMillis(), false)));
            for (SoakPlan.Step step : cycle.steps()) {
                String label = "cycle " + cycle.number() + ": " + step.fault().label();
                scenario.step(new Scenario.Step(Duration.ofMillis(step.faultMillis()), label, step.fault().label(), true,
                        run -> fault(run.bed(), step.fault(), true)));
                scenario.step(new Scenario.Step(Duration.ofMillis(step.recoverMillis()), label + " undone", null, true,
                        run -> fault(run.bed(), step.fault(), false)));
            }
            scenario.observe(Duration.ofMillis(cycle.endMillis()),
                    run -> after.put(cycle.number(), read(run.bed(), gc, run.nowMillis(), false)));
        }
        return scenario
                .measure(run -> {
                    List<ControlTraffic.Minute> minutes = control.get(0).awaitMinutes();
                    List<Reading> sampled;
                    synchronized (readings) {
                        sampled = List.copyOf(readings);
                    }
                    return new Findings(run, sampled, plan.cycles().stream()
                            .map(cycle -> outcome(run, cycle, before.get(cycle.number()), after.get(cycle.number()))).toList(), minutes);
                })
                .setup(f -> setup(f, rate, timing))
                .sections((f, report) -> {
                    memory(report, f.readings(), settleMillis(f.run().result()), f.run().result());
                    cycles(report, f.cycles());
                    control(report, f.control());
                })
                .details(f -> new Scenario.Details("Readings every " + DurationArgument.format(sampleEvery), readingsTable(f.readings())))
                .check(f -> Scenario.Verdict.of(f.run().result().unsent() == 0,
                        "the generator sent every request that fell due (the open loop kept up)", f.run().result().sent() + " sent, "
                                + f.run().result().requests() + " answered, " + f.run().result().unsent() + " due but unsent"))
                .check(f -> Scenario.Verdict.info("client errors over the whole run: " + ScenarioReport.errors(f.run().result())))
                .timelinePlot(f -> timeline(f, rate))
                .build();
    }

    /** Reads everything every {@code --sample-every} from now on, until closed. */
    private AutoCloseable sampleEvery(ScenarioRun run, HeapAfterGc gc, List<Reading> readings) {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "scenario-soak-sampler");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(() -> {
            Reading reading = read(run.bed(), gc, run.nowMillis(), true);
            synchronized (readings) {
                readings.add(reading);
            }
        }, 0, sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            sampler.shutdownNow();
            sampler.awaitTermination(10, TimeUnit.SECONDS);
        };
    }

    /**
     * A cycle with its errors counted, by the second they happened in: each fault's from its start
     * to the next fault's start (or the cycle's end). Call it once the run's timeline is complete.
     */
    private static CycleOutcome outcome(ScenarioRun run, SoakPlan.Cycle cycle, Reading before, Reading after) {
        List<StepOutcome> counted = new ArrayList<>();
        List<SoakPlan.Step> steps = cycle.steps();
        for (int i = 0; i < steps.size(); i++) {
            SoakPlan.Step step = steps.get(i);
            String label = "cycle " + cycle.number() + ": " + step.fault().label();
            long inFlight = run.events().stream().filter(event -> event.label().equals(label))
                    .mapToLong(ScenarioRun.Event::inFlight).findFirst().orElse(-1);
            long end = i + 1 < steps.size() ? steps.get(i + 1).faultMillis() : cycle.endMillis();
            counted.add(new StepOutcome(step, run.errorsBetween(step.faultMillis(), end), inFlight));
        }
        return new CycleOutcome(cycle, before, after, counted, run.errorsBetween(cycle.startMillis(), cycle.endMillis()));
    }

    /** Applies ({@code on}) or undoes one of the soak's faults on A. */
    private static void fault(Testbed bed, SoakPlan.Fault fault, boolean on) {
        RegionFault gateways = switch (fault) {
            case OUTAGE -> RegionFault.outage();
            case BLACK_HOLE -> RegionFault.hang();
            case BROWNOUT -> RegionFault.halfDown();
            case WEIGHT_SHIFT -> null;
        };
        if (gateways == null) {
            bed.putWeight(A, on ? 25 : 100);
        } else if (on) {
            gateways.applyTo(bed.gateways(A));
        } else {
            gateways.undoOn(bed.gateways(A));
        }
    }

    /** Reads everything now; {@code sample}: a 10-s reading, which starts a new after-GC interval (a cycle's does not). */
    private static Reading read(Testbed bed, HeapAfterGc gc, long millis, boolean sample) {
        long gateways = 0;
        for (String region : bed.regionNames()) {
            for (SimulatedGateway gateway : bed.gateways(region)) {
                gateways += gateway.stats().openConnections();
            }
        }
        return new Reading(millis, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                sample ? gc.take() : gc.peek(),
                PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), PlatformDependent.usedDirectMemory(), fds(),
                bed.router().openClientConnections(), bed.upstreamConnections(), gateways);
    }

    /** Open file descriptors of this JVM; -1 where the platform does not say. */
    private static long fds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return unix.getOpenFileDescriptorCount();
        }
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private long settleMillis(LoadResult result) {
        return options.warmup.toMillis() + Math.min(120_000, result.spec().duration().toMillis() / 4);
    }

    private List<String> setup(Findings f, double rate, Testbed.HealthTiming timing) {
        LoadResult result = f.run().result();
        long settleMillis = settleMillis(result);
        int cycleCount = f.cycles().size();
        return List.of(
                String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s from clients in New York for %s "
                + "(after a %s warm-up), through the router to `%s` (4 simulated gateways) and `%s` (2), which share "
                + "New York's traffic by weight; `%s` (2) gets the control traffic: %s req/s from London, run as back-to-back "
                + "one-minute open-loop runs and measured per minute. Gateways answer after a lognormal delay (median 20 ms, "
                + "p99 80 ms). Health timing: %s; upstream connections idle for %s are closed. Every %s, and at the start and "
                + "end of each cycle: the heap left after garbage collection (the smallest after-GC heap since the last "
                + "reading, from the collectors' notifications), Netty's pooled direct memory (`PooledByteBufAllocator.DEFAULT`) "
                + "and all of Netty's direct memory (`PlatformDependent.usedDirectMemory()`), open descriptors "
                + "(`UnixOperatingSystemMXBean`), the router's client and upstream connections, and the gateways' open "
                + "connections. Memory and descriptors are the whole JVM's: the load generators and the gateways run in it "
                + "with the router.",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), DurationArgument.format(result.measuredDuration()),
                DurationArgument.format(options.warmup), A, C, B, ScenarioReport.number(controlRate), timing.label(),
                UPSTREAM_IDLE, DurationArgument.format(sampleEvery)),
                String.format(Locale.ROOT, "Each cycle (every %s, %d in all) runs, %s apart, each for %s: "
                + "%s; %s; %s; %s. Then it is quiet until the cycle ends.",
                DurationArgument.format(cycleEvery), cycleCount, DurationArgument.format(faultFor),
                DurationArgument.format(faultFor), SoakPlan.Fault.OUTAGE.what(), SoakPlan.Fault.BLACK_HOLE.what(),
                SoakPlan.Fault.BROWNOUT.what(), SoakPlan.Fault.WEIGHT_SHIFT.what()),
                String.format(Locale.ROOT, "Thresholds: memory is flat when its least-squares slope over the "
                + "readings after %s (the warm-up plus a quarter of the run, at most 2 minutes, for pools and JIT to "
                + "settle) is within ±%.0f MiB per 10 minutes (heap after GC) or ±%.0f MiB per 10 minutes (direct). "
                + "After each cycle, open descriptors are back when at most max(%.0f, %.0f %%) above the baseline (per "
                + "figure the smallest reading taken just before a cycle's first fault), connections when at most max(%.0f, %.0f %%) above it. Latency "
                + "has not drifted when the control traffic's p50 of the last minutes is at most %.2f x the first + %.0f ms, "
                + "and its p99 at most %.2f x + %.0f ms. Hard-down, black hole, brownout and weight shift must cost no "
                + "client error (the completions route may repeat requests: a black hole's waiting ones are rescued).",
                ScenarioReport.seconds(settleMillis), HEAP_SLOPE_LIMIT_MIB, DIRECT_SLOPE_LIMIT_MIB, FD_SLACK,
                FD_SLACK_RATIO * 100, CONNECTION_SLACK, CONNECTION_SLACK_RATIO * 100, P50_DRIFT_RATIO, P50_DRIFT_MILLIS,
                P99_DRIFT_RATIO, P99_DRIFT_MILLIS));
    }

    private void memory(ScenarioReport report, List<Reading> readings, long settleMillis, LoadResult result) {
        report.heading("Memory after the settling time");
        long[] millis = readings.stream().mapToLong(Reading::millis).toArray();
        List<List<String>> rows = new ArrayList<>();
        String[] names = {"heap after GC", "Netty pooled direct", "Netty direct (all)", "heap used (for reference)"};
        List<ToDoubleFunction<Reading>> series = List.of(r -> mibOrNaN(r.heapAfterGc()), r -> mibOrNaN(r.pooledDirect()),
                r -> mibOrNaN(r.nettyDirect()), r -> mibOrNaN(r.heapUsed()));
        double[] limits = {HEAP_SLOPE_LIMIT_MIB, DIRECT_SLOPE_LIMIT_MIB, DIRECT_SLOPE_LIMIT_MIB, Double.NaN};
        long measured = readings.stream().filter(r -> r.millis() >= settleMillis).count();
        boolean shortRun = result.measuredDuration().toMillis() + options.warmup.toMillis() - settleMillis < 600_000;
        for (int i = 0; i < names.length; i++) {
            double[] values = readings.stream().mapToDouble(series.get(i)).toArray();
            SoakAnalysis.Trend trend = SoakAnalysis.trend(millis, values, settleMillis);
            String verdictText = Double.isNaN(limits[i]) ? "-" : trend.points() < 2 ? "n/a" : trend.flat(limits[i]) ? "flat" : "growing";
            rows.add(List.of(names[i], Integer.toString(trend.points()), signedMib(trend.slopePerTenMinutes()), mib(trend.min()),
                    mib(trend.max()), mib(trend.range()), verdictText));
            if (!Double.isNaN(limits[i]) && trend.points() >= 2) {
                report.verdict(trend.flat(limits[i]), String.format(Locale.ROOT, "%s flat after the settling time (slope within ±%.0f MiB / 10 min%s)",
                        names[i], limits[i], shortRun ? "; under 10 minutes of readings, indicative only" : ""),
                        signedMib(trend.slopePerTenMinutes()) + " / 10 min, max-min " + mib(trend.range()));
            }
        }
        report.table(List.of("series", "readings", "slope per 10 min", "min", "max", "max-min", "verdict"), rows);
        if (measured < 2) {
            report.info("too few readings after the settling time for a memory trend (" + measured + ")");
        }
    }

    private void cycles(ScenarioReport report, List<CycleOutcome> cycles) {
        report.heading("Cycles");
        if (cycles.isEmpty()) {
            report.paragraph("No whole cycle fitted in the run.");
            return;
        }
        Reading baseline = baseline(cycles);
        List<List<String>> rows = new ArrayList<>();
        boolean fdsBack = true;
        boolean connectionsBack = true;
        StringBuilder fdsDetail = new StringBuilder();
        StringBuilder connectionsDetail = new StringBuilder();
        Map<SoakPlan.Fault, long[]> errorsByFault = new LinkedHashMap<>();
        for (CycleOutcome cycle : cycles) {
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(cycle.cycle().number()));
            row.add(ScenarioReport.seconds(cycle.cycle().startMillis()));
            for (StepOutcome step : cycle.steps()) {
                errorsByFault.computeIfAbsent(step.step().fault(), f -> new long[2])[0] += step.errors();
                if (step.step().fault() == SoakPlan.Fault.BLACK_HOLE) {
                    errorsByFault.get(SoakPlan.Fault.BLACK_HOLE)[1] += step.inFlightToA();
                    row.add(step.errors() + " (" + step.inFlightToA() + " in flight)");
                } else {
                    row.add(Long.toString(step.errors()));
                }
            }
            row.add(Long.toString(cycle.errors()));
            Reading after = cycle.after();
            boolean fdOk = back(baseline.fds(), after.fds(), FD_SLACK_RATIO, FD_SLACK);
            boolean connOk = back(baseline.clientConnections(), after.clientConnections(), CONNECTION_SLACK_RATIO, CONNECTION_SLACK)
                    && back(baseline.upstreamConnections(), after.upstreamConnections(), CONNECTION_SLACK_RATIO, CONNECTION_SLACK)
                    && back(baseline.gatewayConnections(), after.gatewayConnections(), CONNECTION_SLACK_RATIO, CONNECTION_SLACK);
            fdsBack &= fdOk;
            connectionsBack &= connOk;
            fdsDetail.append(fdsDetail.length() == 0 ? "" : ", ").append(after.fds());
            connectionsDetail.append(connectionsDetail.length() == 0 ? "" : ", ")
                    .append(after.clientConnections()).append('/').append(after.upstreamConnections()).append('/')
                    .append(after.gatewayConnections());
            row.add(cycle.before().fds() + " -> " + after.fds() + (fdOk ? "" : " (!)"));
            row.add(cycle.before().clientConnections() + " -> " + after.clientConnections());
            row.add(cycle.before().upstreamConnections() + " -> " + after.upstreamConnections());
            row.add(cycle.before().gatewayConnections() + " -> " + after.gatewayConnections() + (connOk ? "" : " (!)"));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("cycle", "started"));
        for (SoakPlan.Fault fault : SoakPlan.Fault.values()) {
            header.add("errors: " + fault.label());
        }
        header.addAll(List.of("errors in cycle", "fds before -> after", "client conns", "upstream conns", "gateway conns"));
        report.table(header, rows);
        report.paragraph("Errors of a fault: client errors from its start to the start of the next fault (or the cycle's "
                + "end), by the second they happened in. \"Before\" is read just before the cycle's first fault, \"after\" at "
                + "the cycle's end; the baseline is, figure by figure, the smallest \"before\" of all cycles. Client connections are the router's (the generators "
                + "keep theirs open); upstream connections the router's pools' (in use and idle); gateway connections "
                + "the simulated gateways' open data connections (probes included). Under load a pool keeps what its "
                + "concurrency peaks opened, hence the connections' wider slack.");
        report.verdict(fdsBack, String.format(Locale.ROOT, "open descriptors back to the baseline after every cycle "
                + "(at most max(%.0f, %.0f %%) above %d)", FD_SLACK, FD_SLACK_RATIO * 100, baseline.fds()), "after each cycle: " + fdsDetail);
        report.verdict(connectionsBack, String.format(Locale.ROOT, "connections back to the baseline after every cycle "
                + "(client/upstream/gateway, at most max(%.0f, %.0f %%) above %d/%d/%d)", CONNECTION_SLACK, CONNECTION_SLACK_RATIO * 100,
                baseline.clientConnections(), baseline.upstreamConnections(), baseline.gatewayConnections()),
                "after each cycle: " + connectionsDetail);
        for (SoakPlan.Fault fault : SoakPlan.Fault.values()) {
            long[] errors = errorsByFault.getOrDefault(fault, new long[2]);
            report.verdict(errors[0] == 0, fault.label() + " costs clients no errors", errors[0] + " in all cycles"
                    + (fault == SoakPlan.Fault.BLACK_HOLE ? " (" + errors[1] + " requests in flight to the hung region in all)" : ""));
        }
    }


    /**
     * Per figure, the smallest of the cycles' "before" readings: a steady state the load returns to,
     * where cycle 1's alone may still hold the start's burst of connections. A leak only grows, so
     * it still shows against cycle 1's figures.
     */
    static Reading baseline(List<CycleOutcome> cycles) {
        List<Reading> before = cycles.stream().map(CycleOutcome::before).toList();
        return new Reading(before.get(0).millis(), min(before, Reading::heapUsed), min(before, Reading::heapAfterGc),
                min(before, Reading::pooledDirect), min(before, Reading::nettyDirect), min(before, Reading::fds),
                min(before, Reading::clientConnections), min(before, Reading::upstreamConnections),
                min(before, Reading::gatewayConnections));
    }

    private static long min(List<Reading> readings, java.util.function.ToLongFunction<Reading> figure) {
        return readings.stream().mapToLong(figure).min().orElse(-1);
    }

    private static boolean back(long baseline, long after, double ratio, double slack) {
        return baseline < 0 || after < 0 || SoakAnalysis.backToBaseline(baseline, after, ratio, slack);
    }

    private void control(ScenarioReport report, List<ControlTraffic.Minute> minutes) {
        report.heading("Control traffic per minute");
        List<List<String>> rows = new ArrayList<>();
        for (ControlTraffic.Minute minute : minutes) {
            Histogram ttfb = minute.ttfb();
            rows.add(List.of(Integer.toString(minute.number()), DurationArgument.format(Duration.ofSeconds(minute.measured().toSeconds())),
                    Long.toString(minute.answered()), Long.toString(minute.errors()),
                    ttfb.getTotalCount() == 0 ? "-" : ScenarioReport.ms(ttfb.getValueAtPercentile(50)),
                    ttfb.getTotalCount() == 0 ? "-" : ScenarioReport.ms(ttfb.getValueAtPercentile(99))));
        }
        report.table(List.of("minute", "measured", "answered", "errors", "TTFB p50", "TTFB p99"), rows);
        int window = SoakAnalysis.driftWindowMinutes(minutes.size());
        if (window == 0) {
            report.info("too short for a latency drift verdict (needs two minutes of control traffic)");
            return;
        }
        Histogram first = merged(minutes.subList(0, window));
        Histogram last = merged(minutes.subList(minutes.size() - window, minutes.size()));
        SoakAnalysis.Drift p50 = new SoakAnalysis.Drift(first.getValueAtPercentile(50) / 1000.0, last.getValueAtPercentile(50) / 1000.0,
                P50_DRIFT_RATIO, P50_DRIFT_MILLIS);
        SoakAnalysis.Drift p99 = new SoakAnalysis.Drift(first.getValueAtPercentile(99) / 1000.0, last.getValueAtPercentile(99) / 1000.0,
                P99_DRIFT_RATIO, P99_DRIFT_MILLIS);
        report.paragraph(String.format(Locale.ROOT, "Drift: the first %d minute(s) against the last %d, control traffic's "
                + "time to first byte: p50 %s, p99 %s.", window, window, p50.describe(), p99.describe()));
        report.verdict(p50.within(), String.format(Locale.ROOT, "control p50 has not drifted (last %d min at most %.2f x first + %.0f ms)",
                window, P50_DRIFT_RATIO, P50_DRIFT_MILLIS), p50.describe());
        report.verdict(p99.within(), String.format(Locale.ROOT, "control p99 has not drifted (last %d min at most %.2f x first + %.0f ms)",
                window, P99_DRIFT_RATIO, P99_DRIFT_MILLIS), p99.describe());
        long errors = minutes.stream().mapToLong(ControlTraffic.Minute::errors).sum();
        report.verdict(errors == 0, "the control traffic (a region no fault touches) sees no errors", errors + " errors");
    }

    private static Histogram merged(List<ControlTraffic.Minute> minutes) {
        Histogram all = new Histogram(3);
        minutes.forEach(minute -> all.add(minute.ttfb()));
        return all;
    }

    private static String readingsTable(List<Reading> readings) {
        StringBuilder table = new StringBuilder("| at | heap used | heap after GC | pooled direct | Netty direct | fds | client conns "
                + "| upstream conns | gateway conns |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Reading r : readings) {
            table.append("| ").append(ScenarioReport.seconds(r.millis())).append(" | ").append(mib(mibOrNaN(r.heapUsed())))
                    .append(" | ").append(mib(mibOrNaN(r.heapAfterGc()))).append(" | ").append(mib(mibOrNaN(r.pooledDirect())))
                    .append(" | ").append(mib(mibOrNaN(r.nettyDirect()))).append(" | ").append(r.fds()).append(" | ")
                    .append(r.clientConnections()).append(" | ").append(r.upstreamConnections()).append(" | ")
                    .append(r.gatewayConnections()).append(" |\n");
        }
        return table.toString();
    }

    /** The faults' starts are marked (see the steps' markers); their recoveries would double the lines. */
    private TimelinePlot timeline(Findings f, double rate) {
        List<Reading> readings = f.readings();
        int n = f.run().seconds().size();
        Map<String, double[]> memory = new LinkedHashMap<>();
        memory.put("heap after GC MiB", stepSeries(readings, n, r -> mibOrNaN(r.heapAfterGc())));
        memory.put("pooled direct MiB", stepSeries(readings, n, r -> mibOrNaN(r.pooledDirect())));
        Map<String, double[]> connections = new LinkedHashMap<>();
        connections.put("fds", stepSeries(readings, n, r -> r.fds()));
        connections.put("client conns", stepSeries(readings, n, r -> r.clientConnections()));
        connections.put("upstream conns", stepSeries(readings, n, r -> r.upstreamConnections()));
        return new TimelinePlot("soak: " + ScenarioReport.number(rate) + " req/s for "
                + DurationArgument.format(f.run().result().measuredDuration()))
                .panel("time to first byte per second, New York clients (ms, log scale)", true, f.run().latencySeries())
                .panel("memory (MiB, sampled every " + DurationArgument.format(sampleEvery) + ")", false, memory)
                .panel("descriptors and connections (sampled)", false, connections)
                .panel("client errors per second", false, Map.of("errors (client)", f.run().errorSeries()));
    }

    /** A sampled figure as a per-second series: each second shows the latest reading at or before its end (NaN-free). */
    private static double[] stepSeries(List<Reading> readings, int seconds, ToDoubleFunction<Reading> value) {
        double[] series = new double[seconds];
        int next = 0;
        double latest = 0;
        for (int i = 0; i < seconds; i++) {
            long end = (i + 1) * 1000L;
            while (next < readings.size() && readings.get(next).millis() <= end) {
                double v = value.applyAsDouble(readings.get(next++));
                latest = Double.isNaN(v) || v < 0 ? latest : v;
            }
            series[i] = latest;
        }
        return series;
    }

    private static double mibOrNaN(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / MIB;
    }

    private static String mib(double mib) {
        return Double.isNaN(mib) ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", mib);
    }

    private static String signedMib(double mib) {
        return Double.isNaN(mib) ? "n/a" : String.format(Locale.ROOT, "%+.1f MiB", mib);
    }
}
