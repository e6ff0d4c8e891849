package dev.meridian.loadtest.scenario;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The side-by-side summariser over run files made up here. */
class BenchReportCommandTest {

    @TempDir
    Path directory;

    /**
     * A run whose every latency is {@code micros}, with {@code ticks} CPU ticks at 100 per second and
     * a timeline whose seconds have the medians {@code secondP50Ms} (milliseconds; none: no timeline).
     */
    private void run(String name, long rate, double achieved, long micros, long ticks, double... secondP50Ms) throws Exception {
        Histogram histogram = new Histogram(1, 3_600_000_000L, 3);
        histogram.recordValueWithCount(micros, 1000);
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        String encoded = Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
        Path runs = Files.createDirectories(directory.resolve("runs"));
        Files.writeString(runs.resolve(name + ".json"), String.format(Locale.ROOT,
                "{\"rate\": %d, \"warmupSeconds\": 5, \"measuredSeconds\": 10, \"achievedRate\": %.1f,"
                        + " \"errors\": {\"total\": 0}, \"timeline\": [%s], \"histograms\": {\"unit\": \"microseconds\", \"total\": \"%s\"}}",
                rate, achieved, timeline(secondP50Ms), encoded), UTF_8);
        Files.writeString(runs.resolve(name + ".cpu.json"),
                "{\"cpuTicks\": " + ticks + ", \"ticksPerSecond\": 100, \"wallSeconds\": 16}", UTF_8);
    }

    @Test
    void mediansOverRoundsAddedLatencyRatiosAndCpuPerRequest() throws Exception {
        for (int round = 1; round <= 3; round++) {
            run("direct-rate1000-round" + round, 1000, 1000, 100, 30);
            run("nginx-rate1000-round" + round, 1000, 1000, 150, 75);
            // Meridian's rounds: 180, 200, 900 µs: the median is 200.
            run("meridian-rate1000-round" + round, 1000, 1000, round == 3 ? 900 : 160 + 20 * round, 150);
            run("nginx-saturation-round" + round, 0, 20_000, 3000, 1500);
            run("meridian-saturation-round" + round, 0, 10_000, 6000, 1500);
        }
        Files.writeString(directory.resolve("runs/prime-meridian.json"), "{}");

        String summary = report();

        assertThat(summary).contains("## 1000 req/s", "## Saturation (closed loop)");
        assertThat(line(summary, "| meridian | 1000 |"))
                .as("p50 200 µs (median of rounds), +100 µs over direct, 2.00 × direct, 1.33 × nginx; "
                        + "1.5 CPU-seconds for 15 s × 1000 requests = 100 µs each")
                .contains("| 200 µs |", "+100 µs", "2.00 / 2.00", "1.33 / 1.33", "180 µs / 200 µs / 900 µs", "100.0 µs");
        assertThat(line(summary, "| meridian | 10000 |"))
                .as("15 CPU-seconds for 15 s × 10000 requests: 10000 per CPU-second, half of nginx's throughput and rate per CPU")
                .contains("| 10000 |", "0.50 (per CPU-second 0.50)");
        assertThat(directory.resolve("overlay-rate1000.svg")).exists();
        assertThat(directory.resolve("overlay-saturation.svg")).exists();
    }

    @Test
    void httpsSectionComparesTlsTargetsWithDirectPlaintextTheirPlaintextSelvesAndNginxTls() throws Exception {
        run("direct-rate1000-round1", 1000, 1000, 100, 30);
        run("meridian-rate1000-round1", 1000, 1000, 200, 150);
        run("nginx-tls-rate1000-round1", 1000, 1000, 250, 150);
        run("meridian-tls-rate1000-round1", 1000, 1000, 500, 300);
        run("nginx-tls-saturation-round1", 0, 20_000, 3000, 1500);
        run("meridian-tls-saturation-round1", 0, 10_000, 6000, 1500);
        run("nginx-tls-handshake-round1", 0, 2_000, 30_000, 1500);
        run("meridian-tls-handshake-round1", 0, 1_000, 60_000, 1500);

        String summary = report();

        assertThat(summary).contains("## HTTPS (TLS termination)");
        assertThat(line(summary, "| meridian-tls | 1000 |")).as("the ordinary rate table has the TLS targets too").isNotEmpty();
        assertThat(line(summary, "| meridian-tls | 1000 req/s |"))
                .as("p50 500 µs: +400 µs over direct, 2.00 × nginx-tls; 3 CPU-seconds for 15000 requests = 200 µs, "
                        + "100 µs more than plaintext meridian's, 2.00 × nginx-tls's")
                .contains("| 500 µs |", "+400 µs", "2.00 / 2.00", "200.0 µs", "+100.0 µs", "| 2.00 |");
        assertThat(line(summary, "| nginx-tls | 1000 req/s |")).as("no plaintext nginx run: no TLS CPU").contains("| n/a |");
        assertThat(summary.substring(summary.indexOf("## HTTPS")))
                .as("keep-alive: half nginx-tls's throughput and per CPU-second; new connections: 1000/s, 1000 per CPU-second, half")
                .contains("| meridian-tls | 10000 | 10000 | 0.50 / 0.50 | 1000 | 1000 | 0.50 / 0.50 |");
    }

    /** Seconds 6, 7, ... with these medians; each second's service-time median is half of it. */
    private static String timeline(double... secondP50Ms) {
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < secondP50Ms.length; i++) {
            json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                    "{\"second\": %d, \"ttfbP50Ms\": %.3f, \"serviceTtfbP50Ms\": %.3f}", 6 + i, secondP50Ms[i], secondP50Ms[i] / 2));
        }
        return json.toString();
    }

    /**
     * An h2load run as side-by-side.sh saves it: 10 s measured after 5 s warm-up at {@code rate}
     * (h2load's "finished in" counts the warm-up, its requests do not).
     */
    private void h2load(String name, long rate, long failed, long ticks) throws Exception {
        Path runs = Files.createDirectories(directory.resolve("runs"));
        long total = rate * 10;
        Files.writeString(runs.resolve(name + ".h2load.txt"), String.format(Locale.ROOT, """
                # %s
                # warm-up: 5s
                starting benchmark...
                finished in 15.00s, %d.00 req/s, 3.40MB/s
                requests: %d total, %d started, %d done, %d succeeded, %d failed, 0 errored, 0 timeout
                status codes: %d 2xx, 0 3xx, 0 4xx, 0 5xx
                """, name, rate, total, total, total, total - failed, failed, total - failed), UTF_8);
        Files.writeString(runs.resolve(name + ".h2load.cpu.json"),
                "{\"cpuTicks\": " + ticks + ", \"ticksPerSecond\": 100, \"wallSeconds\": 16}", UTF_8);
    }

    @Test
    void worstSecondTableFlagsEveryRunWithASecondWhoseMedianIsOverOneMillisecond() throws Exception {
        run("direct-rate10000-round1", 10_000, 10_000, 100, 30, 0.1, 0.2, 0.1);
        run("direct-rate10000-round2", 10_000, 10_000, 100, 30, 0.1, 0.9, 0.1);
        run("meridian-rate10000-round1", 10_000, 10_000, 200, 150, 0.2, 0.3, 0.2);
        run("meridian-rate10000-round2", 10_000, 10_000, 200, 150, 0.2, 1.4, 1.1);
        run("nginx-rate10000-round1", 10_000, 10_000, 150, 75);
        // 5 s warm-up + 10 s: seconds 6 to 15; second 16 is the tail of the answers after the end, not a window.
        run("haproxy-rate10000-round1", 10_000, 10_000, 150, 75, 0.2, 2.4, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 9.0);
        Path late = directory.resolve("runs/meridian-rate10000-round2.json");
        Files.writeString(late, Files.readString(late, UTF_8).replace("{\"rate\"", "{\"warmupSkipped\": 120, \"rate\""), UTF_8);

        String summary = report();

        assertThat(line(summary, "| direct | 10000 | 2 | 6 |")).as("0.9 ms is within the bound")
                .contains("| 900 µs | 2 | 0 | 0 | pass | 0 | 450 µs | 2 | 0 | pass |");
        assertThat(line(summary, "| meridian | 10000 | 2 | 6 |"))
                .as("round 2 has two seconds over 1 ms, the worst 1.4 ms, and its generator was late; in service time all pass")
                .contains("| 1.40 ms | 2 | 2 | 1 | FAIL | 1 | 700 µs | 2 | 0 | pass |");
        assertThat(line(summary, "| haproxy | 10000 | 1 | 10 |"))
                .as("the last partial second (9 ms) is left out; 2.4 ms (service 1.2 ms) fails both")
                .contains("| 2.40 ms | 1 | 1 | 1 | FAIL | 0 | 1.20 ms | 1 | 1 | FAIL |");
        assertThat(line(summary, "| nginx | 10000 | 1 | 0 |")).as("a run without a timeline is not a pass").contains("| no timeline |");
    }

    @Test
    void http2SectionHasThroughputAndCpuOfTheH2loadRunsAgainstNginxH2AndTheirHttp1Selves() throws Exception {
        run("meridian-saturation-round1", 0, 10_000, 6000, 1500);
        h2load("nginx-h2-saturation-round1", 30_000, 0, 1500);
        h2load("meridian-h2-saturation-round1", 15_000, 7, 1500);
        Files.writeString(directory.resolve("runs/prime-meridian-h2.h2load.txt"), "no figures");

        String summary = report();

        assertThat(summary).contains("## HTTP/2 (h2c)");
        assertThat(line(summary, "| meridian-h2 |"))
                .as("15000 req/s for 15 s on 15 CPU-seconds: 15000 per CPU-second, half nginx-h2's, 1.5 × meridian's "
                        + "HTTP/1.1 10000; 7 requests failed")
                .contains("| 15000 | 15000 | 7 | 100 % | 15000 | 0.50 / 0.50 | 1.50 |");
        assertThat(line(summary, "| nginx-h2 |")).as("no HTTP/1.1 nginx run").endsWith("| 1.00 / 1.00 | n/a |");
        assertThat(summary.substring(0, summary.indexOf("## HTTP/2"))).as("h2load runs stay out of the other tables")
                .doesNotContain("| meridian-h2 |");
    }

    @Test
    void logsOnTargetsSitBesideTheLogsOffRowsInTheOrdinaryTables() throws Exception {
        run("direct-rate1000-round1", 1000, 1000, 100, 30);
        run("meridian-rate1000-round1", 1000, 1000, 200, 150);
        run("meridian-logs-on-rate1000-round1", 1000, 1000, 250, 180);
        run("nginx-logs-on-saturation-round1", 0, 20_000, 3000, 1500);

        String summary = report();

        assertThat(summary).contains("targets ending in `-logs-on` write them to a file");
        assertThat(line(summary, "| meridian-logs-on | 1000 |")).contains("| 250 µs |", "+150 µs", "120.0 µs");
        assertThat(summary.indexOf("| meridian-logs-on | 1000 |")).as("right after the logs-off row")
                .isGreaterThan(summary.indexOf("| meridian | 1000 |"));
        assertThat(line(summary, "| nginx-logs-on | 20000 |")).isNotEmpty();
    }

    /** Runs {@code meridian bench-report} over the runs written so far; its summary. */
    private String report() throws Exception {
        int exit = new CommandLine(new BenchReportCommand()).execute(directory.toString());
        assertThat(exit).as("bench-report's exit status").isZero();
        return Files.readString(directory.resolve("summary.md"));
    }

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow(() -> new AssertionError(start + " in\n" + text));
    }
}
