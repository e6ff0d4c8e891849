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

    /** A run whose every latency is {@code micros}, with {@code ticks} CPU ticks at 100 per second. */
    private void run(String name, long rate, double achieved, long micros, long ticks) throws Exception {
        Histogram histogram = new Histogram(1, 3_600_000_000L, 3);
        histogram.recordValueWithCount(micros, 1000);
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        String encoded = Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
        Path runs = Files.createDirectories(directory.resolve("runs"));
        Files.writeString(runs.resolve(name + ".json"), String.format(Locale.ROOT,
                "{\"rate\": %d, \"warmupSeconds\": 5, \"measuredSeconds\": 10, \"achievedRate\": %.1f,"
                        + " \"errors\": {\"total\": 0}, \"histograms\": {\"unit\": \"microseconds\", \"total\": \"%s\"}}",
                rate, achieved, encoded), UTF_8);
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

        int exit = new CommandLine(new BenchReportCommand()).execute(directory.toString());

        assertThat(exit).isZero();
        String summary = Files.readString(directory.resolve("summary.md"));
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

        int exit = new CommandLine(new BenchReportCommand()).execute(directory.toString());

        assertThat(exit).isZero();
        String summary = Files.readString(directory.resolve("summary.md"));
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

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow(() -> new AssertionError(start + " in\n" + text));
    }
}
