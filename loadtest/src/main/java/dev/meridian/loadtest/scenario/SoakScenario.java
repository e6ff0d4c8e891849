package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.DurationArgument;
import dev.meridian.loadtest.gateway.LatencyModel;
import dev.meridian.loadtest.load.LoadResult;
import dev.meridian.loadtest.load.LoadSpec;
import dev.meridian.loadtest.load.TimelineSecond;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code meridian scenario soak}: constant open-loop load through the router for N minutes (default
 * 10), sampling every 10 s the JVM heap (used, and what the last GC left), Netty's pooled direct
 * memory, the process's RSS and open file descriptors, and the router's client and upstream
 * connections; the per-second p99 is summarised per minute. Steady means the last minute's
 * figures are within 10 % (or a small absolute slack) of the second minute's (the first one warms
 * up pools and JITs).
 *
 * <p>Memory and descriptors are the whole JVM's: generator, router and gateways run in it together.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Constant load through the router for N minutes (default 10): heap, direct memory, RSS, fds,",
            "connections and p99 per minute, and whether they drift."})
final class SoakScenario implements Callable<Integer> {

    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

    @Mixin
    ScenarioOptions options = new ScenarioOptions();

    @Option(names = "--replicas", paramLabel = "N", defaultValue = "2", description = "Gateways (default: ${DEFAULT-VALUE}).")
    int replicas = 2;

    /** One reading of the process and the router. */
    record Reading(long millis, long heapUsed, long heapAfterGc, long direct, long rss, long fds,
            long clientConnections, long upstreamConnections) {
    }

    @Override
    public Integer call() throws Exception {
        double rate = options.rate(1000);
        Duration duration = options.duration(Duration.ofMinutes(10));
        List<Reading> readings = new ArrayList<>();
        LoadResult result;
        List<TimelineSecond> seconds;
        String yaml;
        try (Testbed bed = Testbed.builder()
                .region("us-east4", 39.04, -77.49, replicas)
                .latency(LatencyModel.of(Duration.ofMillis(20), Duration.ofMillis(80)))
                .start()) {
            yaml = bed.yaml();
            LoadSpec spec = LoadSpec.openLoop(bed.target(), rate, duration)
                    .withWarmup(options.warmup)
                    .withConnections(options.connections(256))
                    .withMix(Testbed.completions(Testbed.NEW_YORK))
                    .withProgress(options.progress());
            System.err.printf("soak: %s req/s for %s%n", ScenarioReport.number(rate), DurationArgument.format(duration));
            try (ScenarioRun run = ScenarioRun.start(spec)) {
                long total = options.warmup.plus(duration).toMillis();
                for (long at = 0; at <= total; at += SAMPLE_EVERY.toMillis()) {
                    run.sleepUntil(Duration.ofMillis(at));
                    readings.add(read(bed, run.nowMillis()));
                }
                result = run.awaitResult();
                seconds = run.seconds();
            }
        }
        write(result, seconds, readings, rate, yaml);
        return 0;
    }

    private static Reading read(Testbed bed, long millis) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long afterGc = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage collected = pool.getCollectionUsage();
            if (pool.getType() == MemoryType.HEAP && collected != null) {
                afterGc += collected.getUsed();
            }
        }
        return new Reading(millis, heap.getUsed(), afterGc, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(),
                rss(), fds(), bed.router().openClientConnections(), bed.upstreamConnections());
    }

    /** VmRSS from /proc/self/status, in bytes; -1 where there is none. */
    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors (entries of /proc/self/fd); -1 where there is none. */
    private static long fds() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private void write(LoadResult result, List<TimelineSecond> seconds, List<Reading> readings, double rate, String yaml) {
        ScenarioReport report = new ScenarioReport("Scenario soak");
        long minutes = Math.max(1, (seconds.size() + 59) / 60);
        report.paragraph(String.format(Locale.ROOT, "Open-loop load of `POST %s` at %s req/s for %s (after a %s warm-up) "
                + "through the router to one region of %d simulated gateways (median 20 ms, p99 80 ms). Every 10 s: JVM heap "
                + "used and left after the last GC, Netty's pooled direct memory (`PooledByteBufAllocator.DEFAULT`), RSS "
                + "(`/proc/self/status`), open descriptors (`/proc/self/fd`), the router's client and upstream connections. "
                + "Memory and descriptors are the whole JVM's: the load generator and the gateways run in it with the router.",
                Testbed.COMPLETIONS, ScenarioReport.number(rate), DurationArgument.format(result.measuredDuration()),
                DurationArgument.format(options.warmup), replicas));
        report.heading("Per minute");
        List<List<String>> rows = new ArrayList<>();
        List<double[]> perMinute = new ArrayList<>();
        for (int m = 0; m < minutes; m++) {
            long from = m * 60_000L;
            long to = from + 60_000;
            List<Reading> in = readings.stream().filter(r -> r.millis() > from && r.millis() <= to).toList();
            List<Double> p99s = new ArrayList<>();
            long completed = 0;
            long errors = 0;
            for (TimelineSecond second : seconds) {
                if (second.second() * 1000L > from && second.second() * 1000L <= to) {
                    completed += second.completed();
                    errors += second.errors();
                    if (second.completed() > 0) {
                        p99s.add(second.ttfbP99Millis());
                    }
                }
            }
            if (in.isEmpty()) {
                continue;
            }
            p99s.sort(null);
            double medianP99 = p99s.isEmpty() ? 0 : p99s.get(p99s.size() / 2);
            double maxP99 = p99s.isEmpty() ? 0 : p99s.get(p99s.size() - 1);
            Reading last = in.get(in.size() - 1);
            double heapAfterGc = in.stream().mapToLong(Reading::heapAfterGc).max().orElse(0);
            double[] figures = {last.heapUsed(), heapAfterGc, last.direct(), last.rss(), last.fds(),
                last.clientConnections(), last.upstreamConnections(), medianP99, maxP99};
            perMinute.add(figures);
            rows.add(List.of(Integer.toString(m + 1), Long.toString(completed), Long.toString(errors),
                    mib(last.heapUsed()), mib((long) heapAfterGc), mib(last.direct()), mib(last.rss()), Long.toString(last.fds()),
                    Long.toString(last.clientConnections()), Long.toString(last.upstreamConnections()),
                    String.format(Locale.ROOT, "%.1f", medianP99), String.format(Locale.ROOT, "%.1f", maxP99)));
        }
        report.table(List.of("minute", "answered", "errors", "heap used", "heap after GC", "direct (Netty)", "RSS", "fds",
                "client conns", "upstream conns", "p99 TTFB ms (median of seconds)", "p99 TTFB ms (worst second)"), rows);
        report.paragraph("Minute 1 includes the warm-up. Heap after GC is the largest amount any heap pool held after its "
                + "last collection in that minute; the other memory figures are the minute's last reading.");
        report.heading("Load");
        report.loadSummary(result);
        report.paragraph("![latency](soak.svg)\n\n![timeline](soak-timeline.svg)");
        report.heading("Router configuration");
        report.code("yaml", yaml);
        if (perMinute.size() >= 3) {
            double[] first = perMinute.get(1);
            double[] last = perMinute.get(perMinute.size() - 1);
            String[] names = {"heap after GC", "direct memory", "RSS", "open fds", "upstream connections", "p99 (median of seconds)"};
            int[] index = {1, 2, 3, 4, 6, 7};
            double[] slack = {16 * 1024 * 1024, 8 * 1024 * 1024, 32 * 1024 * 1024, 16, 8, 2};
            for (int i = 0; i < names.length; i++) {
                double a = first[index[i]];
                double b = last[index[i]];
                boolean steady = b <= a * 1.10 + slack[i];
                String shown = index[i] <= 3 ? mib((long) a) + " -> " + mib((long) b)
                        : String.format(Locale.ROOT, "%.1f -> %.1f", a, b);
                report.verdict(steady, names[i] + " steady (last minute within 10 % of minute 2)", shown);
            }
        } else {
            report.info("too short for a drift verdict (needs at least 3 minutes)");
        }
        report.verdict(result.errorCount() == 0, "no client errors", ScenarioReport.errors(result));

        double[] heap = new double[seconds.size()];
        double[] direct = new double[seconds.size()];
        double[] rss = new double[seconds.size()];
        double[] p99 = new double[seconds.size()];
        for (int i = 0; i < seconds.size(); i++) {
            p99[i] = seconds.get(i).ttfbP99Millis();
            long end = (i + 1) * 1000L;
            Reading latest = null;
            for (Reading r : readings) {
                if (r.millis() <= end) {
                    latest = r;
                }
            }
            if (latest != null) {
                heap[i] = latest.heapUsed() / 1048576.0;
                direct[i] = latest.direct() / 1048576.0;
                rss[i] = latest.rss() / 1048576.0;
            }
        }
        Map<String, double[]> memory = new LinkedHashMap<>();
        memory.put("RSS MiB", rss);
        memory.put("heap used MiB", heap);
        memory.put("direct MiB", direct);
        TimelinePlot plot = new TimelinePlot("soak: " + ScenarioReport.number(rate) + " req/s for " + DurationArgument.format(result.measuredDuration()))
                .panel("TTFB p99 per second (ms)", false, Map.of("p99", p99))
                .panel("memory (MiB, sampled every 10 s)", false, memory)
                .shade(0, options.warmup.toMillis() / 1000.0, "warm-up");
        ScenarioRun.write(options.out, "soak", "soak: time to first byte, " + ScenarioReport.number(rate) + " req/s",
                result, report, plot);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
