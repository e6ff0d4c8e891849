package dev.meridian.loadtest.scenario;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.loadtest.load.LatencyPlot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian scenario bench-report DIR}: summarises a {@code loadtest/bench/side-by-side.sh}
 * results directory. Reads {@code DIR/runs/TARGET-rateR-roundN.json} and
 * {@code TARGET-saturation-roundN.json} (the load generator's results), for TLS targets also
 * {@code TARGET-handshake-roundN.json} (a closed loop with a new connection per request), with their
 * {@code .cpu.json} (the target process's CPU ticks during the run), and writes
 * {@code DIR/summary.md} and one overlay plot per rate ({@code DIR/overlay-rateR.svg},
 * {@code DIR/overlay-saturation.svg}).
 *
 * <p>Latency is the time to last byte from the intended send time (a 200-byte body: within a few
 * microseconds of the time to first byte). Each figure is the median over the rounds; added latency
 * is a target's median minus the direct path's; the overlays merge every round's histogram. TLS
 * targets ({@code nginx-tls}, {@code meridian-tls}: names ending in {@code -tls}) also get an
 * "HTTPS (TLS termination)" section comparing them with the plaintext direct path and with
 * {@code nginx-tls}. HTTP/2 targets ({@code nginx-h2}, {@code meridian-h2}) are h2load closed loops,
 * {@code TARGET-saturation-roundN.h2load.txt} with {@code .h2load.cpu.json}, summarised in their own
 * "HTTP/2 (h2c)" section (h2load gives throughput, not the intended-send-time latency of the others).
 * Targets ending in {@code -logs-on} write access logs and sit in the ordinary tables beside the
 * logs-off rows. Every open-loop run's per-second medians (its {@code timeline}) give the "worst
 * second" table: the check that no one-second window has a median over 1 ms.
 */
@Command(name = "bench-report", mixinStandardHelpOptions = true,
        description = "Summarises a loadtest/bench/side-by-side.sh results directory into summary.md and overlay plots.")
final class BenchReportCommand implements Callable<Integer> {

    private static final Pattern RATE_RUN = Pattern.compile("([a-z0-9-]+)-rate(\\d+)-round(\\d+)\\.json");
    private static final Pattern SATURATION_RUN = Pattern.compile("([a-z0-9-]+)-saturation-round(\\d+)\\.json");
    private static final Pattern HANDSHAKE_RUN = Pattern.compile("([a-z0-9-]+)-handshake-round(\\d+)\\.json");
    private static final Pattern HTTP2_RUN = Pattern.compile("([a-z0-9-]+-h2)-saturation-round(\\d+)\\.h2load\\.txt");
    /** The rate key of closed-loop runs with a new connection per request (saturation runs are 0). */
    private static final long HANDSHAKE = -1;
    /** The rate key of h2load's closed-loop runs. */
    private static final long HTTP2 = -2;
    private static final String TLS_SUFFIX = "-tls";
    private static final String HTTP2_SUFFIX = "-h2";
    private static final String LOGS_ON_SUFFIX = "-logs-on";
    /** The per-second median the check allows at most (milliseconds). */
    private static final double SECOND_MEDIAN_BOUND_MS = 1.0;
    private static final Pattern H2LOAD_FINISHED = Pattern.compile("(?m)^finished in ([\\d.]+)s, ([\\d.]+) req/s");
    private static final Pattern H2LOAD_REQUESTS = Pattern.compile("(?m)^requests: (\\d+) total, \\d+ started, \\d+ done, (\\d+) succeeded");
    private static final List<String> ORDER = List.of("direct", "nginx", "haproxy", "meridian", "nginx-logs-on", "meridian-logs-on",
            "nginx-tls", "meridian-tls", "nginx-h2", "meridian-h2");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "DIR", description = "The results directory (holds runs/ and setup.txt).")
    Path directory = Path.of(".");

    /**
     * One run: its figures and CPU. {@code secondP50Ms}: the median of each measured second (open
     * loops; empty when the run has no timeline). h2load runs have an empty histogram.
     */
    record Run(String target, long rate, int round, double achieved, long errors, Histogram latency,
            double cpuSeconds, double totalRequests, double[] secondP50Ms, double[] secondServiceP50Ms, long warmupSkipped) {
        double percentile(double p) {
            return latency.getValueAtPercentile(p);
        }

        /** Target-process CPU microseconds per request, over the whole run (warm-up included). */
        double cpuMicrosPerRequest() {
            return totalRequests <= 0 ? Double.NaN : cpuSeconds * 1e6 / totalRequests;
        }
    }

    @Override
    public Integer call() throws IOException {
        List<Run> runs = new ArrayList<>();
        Path runDirectory = directory.resolve("runs");
        try (Stream<Path> files = Files.list(runDirectory)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                Matcher rate = RATE_RUN.matcher(name);
                Matcher saturation = SATURATION_RUN.matcher(name);
                Matcher handshake = HANDSHAKE_RUN.matcher(name);
                Matcher http2 = HTTP2_RUN.matcher(name);
                if (http2.matches()) {
                    runs.add(readH2load(file, http2.group(1), Integer.parseInt(http2.group(2))));
                } else if (handshake.matches()) {
                    runs.add(read(file, handshake.group(1), HANDSHAKE, Integer.parseInt(handshake.group(2))));
                } else if (rate.matches()) {
                    runs.add(read(file, rate.group(1), Long.parseLong(rate.group(2)), Integer.parseInt(rate.group(3))));
                } else if (saturation.matches()) {
                    runs.add(read(file, saturation.group(1), 0, Integer.parseInt(saturation.group(2))));
                }
            }
        }
        if (runs.isEmpty()) {
            System.err.println("bench-report: no runs in " + runDirectory);
            return 1;
        }
        Files.writeString(directory.resolve("summary.md"), summary(runs), UTF_8);
        System.out.println("wrote " + directory.resolve("summary.md"));
        return 0;
    }

    private static Run read(Path file, String target, long rate, int round) throws IOException {
        JsonNode json = JSON.readTree(file.toFile());
        Histogram latency;
        try {
            byte[] bytes = Base64.getDecoder().decode(json.path("histograms").path("total").asText());
            latency = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (DataFormatException e) {
            throw new IOException(file + ": cannot decode the histogram: " + e.getMessage(), e);
        }
        double cpuSeconds = cpuSeconds(file.resolveSibling(file.getFileName().toString().replace(".json", ".cpu.json")));
        double loadSeconds = json.path("warmupSeconds").asDouble() + json.path("measuredSeconds").asDouble();
        double achieved = json.path("achievedRate").asDouble();
        // Requests over the whole run, warm-up included, as the CPU ticks are: an open loop sends
        // exactly its rate; a closed loop is taken to run at its measured rate throughout.
        double total = rate > 0 ? rate * loadSeconds : achieved * loadSeconds;
        // Whole seconds of the run only: a last partial second after the end holds only the tail of
        // the answers (a few requests), not a one-second window.
        List<JsonNode> seconds = new ArrayList<>();
        json.path("timeline").forEach(second -> {
            if (second.path("second").asDouble() <= loadSeconds) {
                seconds.add(second);
            }
        });
        double[] secondP50Ms = seconds.stream().mapToDouble(second -> second.path("ttfbP50Ms").asDouble(Double.NaN)).toArray();
        double[] secondServiceP50Ms = seconds.stream()
                .mapToDouble(second -> second.path("serviceTtfbP50Ms").asDouble(Double.NaN)).toArray();
        return new Run(target, rate, round, achieved, json.path("errors").path("total").asLong(), latency, cpuSeconds, total,
                secondP50Ms, secondServiceP50Ms, json.path("warmupSkipped").asLong());
    }

    /**
     * An h2load run as side-by-side.sh writes it (h2load's output after a title line). With
     * {@code --warm-up-time}, h2load's {@code finished in S s} is the whole run, warm-up included,
     * while {@code R req/s} and the {@code requests:} line cover the measured time only.
     */
    private static Run readH2load(Path file, String target, int round) throws IOException {
        String text = Files.readString(file, UTF_8);
        Matcher finished = H2LOAD_FINISHED.matcher(text);
        Matcher requests = H2LOAD_REQUESTS.matcher(text);
        if (!finished.find() || !requests.find()) {
            throw new IOException(file + ": no h2load \"finished in\" and \"requests:\" lines");
        }
        double achieved = Double.parseDouble(finished.group(2));
        long errors = Long.parseLong(requests.group(1)) - Long.parseLong(requests.group(2));
        double cpuSeconds = cpuSeconds(file.resolveSibling(file.getFileName().toString().replace(".txt", ".cpu.json")));
        // Requests over the whole run, as the CPU ticks are: the measured rate throughout.
        double total = achieved * Double.parseDouble(finished.group(1));
        return new Run(target, HTTP2, round, achieved, errors, new Histogram(3), cpuSeconds, total, new double[0], new double[0], 0);
    }

    /** The target process's CPU seconds from a {@code .cpu.json} file; NaN when there is none. */
    private static double cpuSeconds(Path cpuFile) throws IOException {
        if (!Files.exists(cpuFile)) {
            return Double.NaN;
        }
        JsonNode cpu = JSON.readTree(cpuFile.toFile());
        return cpu.path("cpuTicks").asDouble() / cpu.path("ticksPerSecond").asDouble(100);
    }

    private String summary(List<Run> runs) throws IOException {
        StringBuilder md = new StringBuilder("# Side-by-side benchmark\n\n");
        Path setup = directory.resolve("setup.txt");
        if (Files.exists(setup)) {
            md.append("```\n").append(Files.readString(setup).strip()).append("\n```\n\n");
        }
        md.append("Latency: time to last byte, counted from each request's intended send time (open loop, so "
                + "queueing is included), median over the rounds of each round's percentile; \"added\" is the target's "
                + "median minus the direct path's. Ratios divide the target's latency by the direct path's and by "
                + "nginx's. CPU per request: the target process's CPU time (user + system, every thread) over the whole "
                + "run, warm-up included, divided by the requests sent in it; for `direct` that is the backend nginx's. "
                + "Access logs: targets ending in `" + LOGS_ON_SUFFIX + "` write them to a file (nginx's default `combined` "
                + "format, Meridian's default JSON lines); every other target runs with logs off (Meridian's too, unless "
                + "the setup above says `meridian file`).\n\n");
        Map<Long, List<Run>> byRate = new TreeMap<>();
        runs.forEach(run -> byRate.computeIfAbsent(run.rate(), r -> new ArrayList<>()).add(run));
        for (Map.Entry<Long, List<Run>> entry : byRate.entrySet()) {
            if (entry.getKey() > 0) {
                rateSection(md, entry.getKey(), entry.getValue());
            }
        }
        if (byRate.keySet().stream().anyMatch(rate -> rate > 0)) {
            worstSecondSection(md, byRate);
        }
        if (byRate.containsKey(0L)) {
            saturationSection(md, byRate.get(0L));
        }
        if (byRate.containsKey(HTTP2)) {
            http2Section(md, byRate.get(HTTP2), byRate.getOrDefault(0L, List.of()));
        }
        if (runs.stream().anyMatch(run -> run.target().endsWith(TLS_SUFFIX))) {
            httpsSection(md, byRate);
        }
        return md.toString();
    }

    /**
     * The TLS targets against the plaintext direct path (added latency), their plaintext selves
     * (the CPU TLS adds) and nginx-tls (ratios): latency and CPU at each rate, then throughput.
     */
    private void httpsSection(StringBuilder md, Map<Long, List<Run>> byRate) {
        md.append("## HTTPS (TLS termination)\n\n");
        md.append("The `-tls` targets terminate TLS (one self-signed EC P-256 certificate, the same for both; TLS 1.3 "
                + "and 1.2 offered) and proxy to the same plaintext backend; the client keeps its connections alive, so "
                + "handshakes are amortised. \"Added\" is over the plaintext direct path; \"TLS CPU\" is the CPU per "
                + "request beyond the same proxy's plaintext run; ratios divide by nginx-tls.\n\n");
        md.append("| target | load | p50 | p99 | added p50 | added p99 | p50 / p99 × nginx-tls | CPU per request "
                + "| TLS CPU per request | CPU × nginx-tls |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<Long, List<Run>> entry : byRate.entrySet()) {
            if (entry.getKey() <= 0) {
                continue;
            }
            Map<String, List<Run>> byTarget = byTarget(entry.getValue());
            double[] direct = medians(byTarget.get("direct"));
            double[] nginxTls = medians(byTarget.get("nginx" + TLS_SUFFIX));
            double nginxTlsCpu = cpuPerRequest(byTarget.get("nginx" + TLS_SUFFIX));
            for (Map.Entry<String, List<Run>> target : byTarget.entrySet()) {
                String name = target.getKey();
                if (!name.endsWith(TLS_SUFFIX)) {
                    continue;
                }
                double[] m = medians(target.getValue());
                double cpu = cpuPerRequest(target.getValue());
                double plainCpu = cpuPerRequest(byTarget.get(name.substring(0, name.length() - TLS_SUFFIX.length())));
                md.append("| ").append(name).append(" | ").append(entry.getKey()).append(" req/s")
                        .append(" | ").append(micros(m[0])).append(" | ").append(micros(m[1]))
                        .append(" | ").append(added(m[0], direct, 0)).append(" | ").append(added(m[1], direct, 1))
                        .append(" | ").append(ratio(m[0], nginxTls, 0)).append(" / ").append(ratio(m[1], nginxTls, 1))
                        .append(" | ").append(cpu(cpu))
                        .append(" | ").append(Double.isNaN(plainCpu) ? "n/a" : signedCpu(cpu - plainCpu))
                        .append(" | ").append(plain(cpu / nginxTlsCpu))
                        .append(" |\n");
            }
        }
        md.append('\n');
        List<Run> saturation = byRate.getOrDefault(0L, List.of());
        List<Run> handshakes = byRate.getOrDefault(HANDSHAKE, List.of());
        if (saturation.isEmpty() && handshakes.isEmpty()) {
            return;
        }
        md.append("Throughput: the closed loop of the saturation runs (keep-alive); \"new connection per request\" is a "
                + "closed loop whose every request carries `Connection: close`, so each one pays a full handshake "
                + "(no session resumption) and the figure is handshakes per second.\n\n");
        md.append("| target | keep-alive req/s | requests per CPU-second | × nginx-tls (throughput / per CPU-second) "
                + "| new connection per request: req/s | requests per CPU-second | × nginx-tls (throughput / per CPU-second) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Run>> saturationByTarget = byTarget(saturation);
        Map<String, List<Run>> handshakeByTarget = byTarget(handshakes);
        List<String> targets = new ArrayList<>(saturationByTarget.keySet());
        handshakeByTarget.keySet().stream().filter(t -> !targets.contains(t)).forEach(targets::add);
        for (String name : targets) {
            if (!name.endsWith(TLS_SUFFIX)) {
                continue;
            }
            md.append("| ").append(name);
            for (Map<String, List<Run>> kind : List.of(saturationByTarget, handshakeByTarget)) {
                List<Run> list = kind.get(name);
                List<Run> nginx = kind.get("nginx" + TLS_SUFFIX);
                double achieved = medianAchieved(list);
                double perCpu = list == null ? Double.NaN : perCpuSecond(list);
                double nginxAchieved = medianAchieved(nginx);
                double nginxPerCpu = nginx == null ? Double.NaN : perCpuSecond(nginx);
                md.append(" | ").append(Double.isNaN(achieved) ? "n/a" : String.format(Locale.ROOT, "%.0f", achieved))
                        .append(" | ").append(Double.isNaN(perCpu) ? "n/a" : String.format(Locale.ROOT, "%.0f", perCpu))
                        .append(" | ").append(plain(achieved / nginxAchieved)).append(" / ").append(plain(perCpu / nginxPerCpu));
            }
            md.append(" |\n");
        }
        md.append('\n');
    }

    /**
     * The per-second medians of every open-loop run: the worst one-second window at each rate and
     * target, and how many seconds (and rounds) had a median over {@link #SECOND_MEDIAN_BOUND_MS},
     * by the time from the intended send time and by the service time.
     */
    private static void worstSecondSection(StringBuilder md, Map<Long, List<Run>> byRate) {
        md.append("## Worst second (per-second medians)\n\n");
        md.append("Each open-loop run's median time to first byte in every measured second (the load generator's "
                + "timeline; the body is small, so first and last byte are microseconds apart). The check: no window "
                + "of a second or more with a median over 1 ms, in any round. It is made twice: from the intended send "
                + "time (what a client on that schedule sees, the load generator's own lateness included) and from the "
                + "service time (from the moment each request was actually written, which leaves a late generator out). "
                + "\"Late warm-ups\": rounds in which the load generator was behind its schedule when the warm-up ended "
                + "(it dropped that backlog, `warmupSkipped`): the warm-up was too short for the machine.\n\n");
        md.append("| target | rate | rounds | seconds | worst second's p50 | its round | seconds over 1 ms | rounds with one "
                + "| check | late warm-ups | worst service p50 | its round | service seconds over 1 ms | service check |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n");
        for (Map.Entry<Long, List<Run>> entry : byRate.entrySet()) {
            if (entry.getKey() <= 0) {
                continue;
            }
            for (Map.Entry<String, List<Run>> target : byTarget(entry.getValue()).entrySet()) {
                List<Run> list = target.getValue();
                SlowSeconds intended = SlowSeconds.of(list, Run::secondP50Ms);
                SlowSeconds service = SlowSeconds.of(list, Run::secondServiceP50Ms);
                long late = list.stream().filter(run -> run.warmupSkipped() > 0).count();
                md.append("| ").append(target.getKey()).append(" | ").append(entry.getKey())
                        .append(" | ").append(list.size()).append(" | ").append(intended.seconds())
                        .append(" | ").append(intended.worstCells()).append(" | ").append(intended.over())
                        .append(" | ").append(intended.roundsOver()).append(" | ").append(intended.check())
                        .append(" | ").append(late)
                        .append(" | ").append(service.worstCells()).append(" | ").append(service.over())
                        .append(" | ").append(service.check()).append(" |\n");
            }
        }
        md.append('\n');
    }

    /** One series of per-second medians over a target's rounds: its worst second and those over the bound. */
    private record SlowSeconds(int seconds, double worst, int worstRound, int over, int roundsOver) {

        static SlowSeconds of(List<Run> runs, Function<Run, double[]> series) {
            double worst = Double.NaN;
            int worstRound = 0;
            int seconds = 0;
            int over = 0;
            int roundsOver = 0;
            for (Run run : runs) {
                int overInRun = 0;
                for (double p50 : series.apply(run)) {
                    if (Double.isNaN(p50)) {
                        continue;
                    }
                    seconds++;
                    if (p50 > SECOND_MEDIAN_BOUND_MS) {
                        overInRun++;
                    }
                    if (Double.isNaN(worst) || p50 > worst) {
                        worst = p50;
                        worstRound = run.round();
                    }
                }
                over += overInRun;
                roundsOver += overInRun > 0 ? 1 : 0;
            }
            return new SlowSeconds(seconds, worst, worstRound, over, roundsOver);
        }

        String worstCells() {
            return seconds == 0 ? "n/a | n/a" : micros(worst * 1000) + " | " + worstRound;
        }

        String check() {
            return seconds == 0 ? "no timeline" : over == 0 ? "pass" : "FAIL";
        }
    }

    /**
     * h2load's closed loops against the {@code -h2} targets: throughput, requests per CPU-second,
     * ratios to nginx-h2, and per CPU-second against the same proxy's HTTP/1.1 saturation runs.
     */
    private static void http2Section(StringBuilder md, List<Run> runs, List<Run> saturation) {
        md.append("## HTTP/2 (h2c)\n\n");
        md.append("h2load, h2c with prior knowledge, a closed loop of concurrent streams over a few connections (see the "
                + "setup above); both proxies speak HTTP/1.1 to the same backend. Errors are requests that did not "
                + "succeed. \"× HTTP/1.1\" divides requests per CPU-second by the same proxy's HTTP/1.1 saturation runs.\n\n");
        md.append("| target | throughput req/s | by round | errors | target CPU busy | requests per CPU-second "
                + "| × nginx-h2 (throughput / per CPU-second) | per CPU-second × HTTP/1.1 |\n");
        md.append("|---|---:|---|---:|---:|---:|---:|---:|\n");
        Map<String, List<Run>> byTarget = byTarget(runs);
        Map<String, List<Run>> http1 = byTarget(saturation);
        List<Run> nginx = byTarget.get("nginx" + HTTP2_SUFFIX);
        double nginxRate = medianAchieved(nginx);
        double nginxPerCpu = nginx == null ? Double.NaN : perCpuSecond(nginx);
        for (Map.Entry<String, List<Run>> target : byTarget.entrySet()) {
            String name = target.getKey();
            List<Run> list = target.getValue();
            double achieved = medianAchieved(list);
            double perCpu = perCpuSecond(list);
            List<Run> plain = http1.get(name.substring(0, name.length() - HTTP2_SUFFIX.length()));
            md.append("| ").append(name)
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", achieved))
                    .append(" | ").append(String.join(" / ", list.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.achieved())).toList()))
                    .append(" | ").append(list.stream().mapToLong(Run::errors).sum())
                    .append(" | ").append(busy(list))
                    .append(" | ").append(Double.isNaN(perCpu) ? "n/a" : String.format(Locale.ROOT, "%.0f", perCpu))
                    .append(" | ").append(plain(achieved / nginxRate)).append(" / ").append(plain(perCpu / nginxPerCpu))
                    .append(" | ").append(plain == null ? "n/a" : plain(perCpu / perCpuSecond(plain)))
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** The median share of its CPU the target process used in the runs (closed loops). */
    private static String busy(List<Run> runs) {
        double busy = median(runs.stream().mapToDouble(r -> r.cpuSeconds() * r.achieved() / Math.max(1, r.totalRequests())).toArray());
        return Double.isNaN(busy) ? "n/a" : String.format(Locale.ROOT, "%.0f %%", busy * 100);
    }

    private static double cpuPerRequest(List<Run> runs) {
        return runs == null ? Double.NaN : median(runs.stream().mapToDouble(Run::cpuMicrosPerRequest).toArray());
    }

    private static String signedCpu(double micros) {
        return Double.isNaN(micros) ? "n/a" : (micros >= 0 ? "+" : "−") + cpu(Math.abs(micros));
    }

    private void rateSection(StringBuilder md, long rate, List<Run> runs) {
        Map<String, List<Run>> byTarget = byTarget(runs);
        md.append("## ").append(rate).append(" req/s\n\n");
        md.append("| target | achieved req/s | errors | p50 | p99 | p99.9 | added p50 | added p99 | added p99.9 "
                + "| p50 / p99 × direct | p50 / p99 × nginx | p99 by round | CPU per request |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        double[] direct = medians(byTarget.get("direct"));
        double[] nginx = medians(byTarget.get("nginx"));
        for (Map.Entry<String, List<Run>> target : byTarget.entrySet()) {
            List<Run> list = target.getValue();
            double[] m = medians(list);
            md.append("| ").append(target.getKey())
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", medianAchieved(list)))
                    .append(" | ").append(list.stream().mapToLong(Run::errors).sum())
                    .append(" | ").append(micros(m[0])).append(" | ").append(micros(m[1])).append(" | ").append(micros(m[2]))
                    .append(" | ").append(added(m[0], direct, 0)).append(" | ").append(added(m[1], direct, 1))
                    .append(" | ").append(added(m[2], direct, 2))
                    .append(" | ").append(ratio(m[0], direct, 0)).append(" / ").append(ratio(m[1], direct, 1))
                    .append(" | ").append(ratio(m[0], nginx, 0)).append(" / ").append(ratio(m[1], nginx, 1))
                    .append(" | ").append(String.join(" / ", list.stream().map(r -> micros(r.percentile(99))).toList()))
                    .append(" | ").append(cpu(median(list.stream().mapToDouble(Run::cpuMicrosPerRequest).toArray())))
                    .append(" |\n");
        }
        md.append('\n');
        String plot = "overlay-rate" + rate + ".svg";
        overlay(byTarget, rate + " req/s: time to last byte by target (all rounds merged)", plot);
        md.append("![").append(rate).append(" req/s](").append(plot).append(")\n\n");
    }

    private void saturationSection(StringBuilder md, List<Run> runs) {
        Map<String, List<Run>> byTarget = byTarget(runs);
        md.append("## Saturation (closed loop)\n\n");
        md.append("Throughput is what the whole loop achieved; the load generator and the backend share one CPU, so a "
                + "target that is not CPU-bound on its own CPU is limited by them. Requests per CPU-second of the target "
                + "process is the throughput per core it would reach if it had a core to itself and nothing else limited it.\n\n");
        md.append("| target | throughput req/s | by round | target CPU busy | requests per CPU-second | × direct | × nginx | p50 | p99 |\n");
        md.append("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
        double directRate = medianAchieved(byTarget.get("direct"));
        double nginxRate = medianAchieved(byTarget.get("nginx"));
        double nginxPerCpu = byTarget.containsKey("nginx") ? perCpuSecond(byTarget.get("nginx")) : Double.NaN;
        for (Map.Entry<String, List<Run>> target : byTarget.entrySet()) {
            List<Run> list = target.getValue();
            double achieved = medianAchieved(list);
            double perCpu = perCpuSecond(list);
            double[] m = medians(list);
            md.append("| ").append(target.getKey())
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", achieved))
                    .append(" | ").append(String.join(" / ", list.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.achieved())).toList()))
                    .append(" | ").append(busy(list))
                    .append(" | ").append(Double.isNaN(perCpu) ? "n/a" : String.format(Locale.ROOT, "%.0f", perCpu))
                    .append(" | ").append(plain(achieved / directRate))
                    .append(" | ").append(plain(achieved / nginxRate)).append(" (per CPU-second ").append(plain(perCpu / nginxPerCpu)).append(')')
                    .append(" | ").append(micros(m[0])).append(" | ").append(micros(m[1]))
                    .append(" |\n");
        }
        md.append('\n');
        overlay(byTarget, "closed loop: time to last byte by target (all rounds merged)", "overlay-saturation.svg");
        md.append("![saturation](overlay-saturation.svg)\n\n");
    }

    /** The median over the runs of the request rate each achieved; NaN for none. */
    private static double medianAchieved(@Nullable List<Run> runs) {
        return runs == null ? Double.NaN : median(runs.stream().mapToDouble(Run::achieved).toArray());
    }

    private static double perCpuSecond(List<Run> runs) {
        return median(runs.stream().mapToDouble(r -> 1e6 / r.cpuMicrosPerRequest()).toArray());
    }

    private void overlay(Map<String, List<Run>> byTarget, String title, String file) {
        Map<String, Histogram> series = new LinkedHashMap<>();
        byTarget.forEach((target, list) -> {
            Histogram merged = list.get(0).latency().copy();
            list.stream().skip(1).forEach(run -> merged.add(run.latency()));
            series.put(target, merged);
        });
        LatencyPlot.of(title, series).writeTo(directory.resolve(file));
    }

    private static Map<String, List<Run>> byTarget(List<Run> runs) {
        Map<String, List<Run>> byTarget = new TreeMap<>(Comparator.comparingInt((String t) -> ORDER.indexOf(t) < 0 ? 99 : ORDER.indexOf(t))
                .thenComparing(Comparator.naturalOrder()));
        runs.stream().sorted(Comparator.comparingInt(Run::round))
                .forEach(run -> byTarget.computeIfAbsent(run.target(), t -> new ArrayList<>()).add(run));
        return byTarget;
    }

    /** Median over the runs of p50, p99, p99.9 (microseconds); null for no runs. */
    private static double[] medians(List<Run> runs) {
        if (runs == null || runs.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {
            median(runs.stream().mapToDouble(r -> r.percentile(50)).toArray()),
            median(runs.stream().mapToDouble(r -> r.percentile(99)).toArray()),
            median(runs.stream().mapToDouble(r -> r.percentile(99.9)).toArray()),
        };
    }

    static double median(double[] values) {
        double[] finite = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int mid = finite.length / 2;
        return finite.length % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
    }

    private static String micros(double micros) {
        if (Double.isNaN(micros)) {
            return "n/a";
        }
        return micros < 1000 ? String.format(Locale.ROOT, "%.0f µs", micros) : String.format(Locale.ROOT, "%.2f ms", micros / 1000);
    }

    private static String added(double value, double[] direct, int index) {
        if (Double.isNaN(direct[index]) || Double.isNaN(value)) {
            return "n/a";
        }
        double added = value - direct[index];
        return (added >= 0 ? "+" : "−") + micros(Math.abs(added));
    }

    private static String ratio(double value, double[] base, int index) {
        return Double.isNaN(base[index]) || base[index] == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", value / base[index]);
    }

    private static String plain(double ratio) {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String cpu(double micros) {
        return Double.isNaN(micros) ? "n/a" : String.format(Locale.ROOT, "%.1f µs", micros);
    }
}
