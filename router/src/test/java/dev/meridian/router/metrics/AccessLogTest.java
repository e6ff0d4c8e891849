package dev.meridian.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.config.AccessLogConfig;
import dev.meridian.router.json.JsonLineWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static AccessLog.Entry entry(String requestId, String uri) throws IOException {
        return new AccessLog.Entry(1_795_000_000_123L, requestId, "4bf92f3577b34da6a3ce929d0e0e4736",
                InetAddress.getByName("2001:db8::7"), "POST", uri, "completions", "us-east4", "10.1.0.5:5052",
                200, 1834, 41_234_567L, 43_950_000L, 2, "failover");
    }

    private static String line(AccessLog.Entry entry) {
        JsonLineWriter writer = new JsonLineWriter();
        new AccessLogFormat().append(entry, writer);
        return new String(writer.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void anEntryIsOneJsonLineWithEveryField() throws Exception {
        String line = line(entry("req-1", "/v2/code/completions?private_token=secret"));

        assertThat(line).endsWith("}\n").contains("\"ttfb_ms\":41.2,\"duration_ms\":44.0,");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        JsonNode json = JSON.readTree(line);
        assertThat(json.get("time").asText()).isEqualTo("2026-11-18T11:06:40.123Z");
        assertThat(json.get("request_id").asText()).isEqualTo("req-1");
        assertThat(json.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(json.get("client").asText()).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(json.get("method").asText()).isEqualTo("POST");
        assertThat(json.get("path").asText()).as("the query may carry secrets").isEqualTo("/v2/code/completions");
        assertThat(json.get("route").asText()).isEqualTo("completions");
        assertThat(json.get("region").asText()).isEqualTo("us-east4");
        assertThat(json.get("endpoint").asText()).isEqualTo("10.1.0.5:5052");
        assertThat(json.get("status").asInt()).isEqualTo(200);
        assertThat(json.get("bytes").asLong()).isEqualTo(1834);
        assertThat(json.get("ttfb_ms").asDouble()).isEqualTo(41.2);
        assertThat(json.get("duration_ms").asDouble()).isEqualTo(44.0);
        assertThat(json.get("attempts").asInt()).isEqualTo(2);
        assertThat(json.get("reason").asText()).isEqualTo("failover");
    }

    @Test
    void clientTextIsEscapedAndMissingValuesAreNull() throws Exception {
        String line = line(new AccessLog.Entry(0, "a\"b\\c", null, InetAddress.getLoopbackAddress(), "GET",
                "/x\u0001y\"z" + "p".repeat(2000), null, null, null, 400, 0, -1, 1_000, 0, null));

        JsonNode json = JSON.readTree(line);
        assertThat(json.get("request_id").asText()).isEqualTo("a\"b\\c");
        assertThat(json.get("path").asText()).startsWith("/x\u0001y\"z").endsWith("...")
                .hasSize(AccessLogFormat.MAX_PATH + 3);
        assertThat(json.get("trace_id").isNull()).isTrue();
        assertThat(json.get("region").isNull()).isTrue();
        assertThat(json.get("ttfb_ms").isNull()).as("no response head").isTrue();
        assertThat(json.get("duration_ms").asDouble()).isEqualTo(0.0);
    }

    @Test
    void linesReachTheFileAndANewFileIsOpenedAfterRotation() throws Exception {
        Path file = dir.resolve("logs/access.jsonl");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AccessLog log = AccessLog.start(new AccessLogConfig(true, file, 100), registry);
        try {
            log.log(entry("before-1", "/a"));
            log.log(entry("before-2", "/a"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lines(file).size() == 2);

            Path rotated = dir.resolve("logs/access.jsonl.1");
            Files.move(file, rotated);
            // Within a second or so the writer notices; entries logged meanwhile go to the moved file.
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                log.log(entry("after", "/b"));
                return Files.exists(file) && !lines(file).isEmpty();
            });
        } finally {
            log.close();
        }
        assertThat(lines(rotated(file))).allSatisfy(line -> assertThat(line).contains("\"request_id\":\""));
        assertThat(lines(rotated(file)).get(0)).contains("before-1");
        assertThat(lines(file)).isNotEmpty().allSatisfy(line -> assertThat(line).contains("\"request_id\":\"after\""));
        assertThat(registry.get("meridian.access.log.dropped").counter().count()).isZero();
    }

    @Test
    void whenTheWriterIsStuckNewLinesAreDroppedAndCountedWithoutWaiting() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.write(b, off, len);
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PrintStream standardOutput = System.out;
        System.setOut(new PrintStream(stuck, false, StandardCharsets.UTF_8));
        AccessLog log;
        try {
            log = AccessLog.start(new AccessLogConfig(true, null, 8), registry);
        } finally {
            System.setOut(standardOutput);
        }
        try {
            log.log(entry("first", "/"));
            assertThat(writing.await(10, TimeUnit.SECONDS)).as("the writer took the first line").isTrue();
            for (int i = 0; i < 20; i++) {
                log.log(entry("next-" + i, "/"));
            }

            assertThat(registry.get("meridian.access.log.dropped").counter().count())
                    .as("8 lines wait for the writer; the other 12 are dropped").isEqualTo(12);
        } finally {
            release.countDown();
            log.close();
        }
        assertThat(written.toString(StandardCharsets.UTF_8).lines())
                .extracting(line -> JSON.readTree(line).get("request_id").asText())
                .containsExactly("first", "next-0", "next-1", "next-2", "next-3", "next-4", "next-5", "next-6", "next-7");
    }

    @Test
    void aFileThatCannotBeOpenedIsRefusedAtStart() throws Exception {
        Path notADirectory = dir.resolve("plain");
        Files.writeString(notADirectory, "x");

        assertThatThrownBy(() -> AccessLog.start(new AccessLogConfig(true, notADirectory.resolve("access.jsonl"), 10),
                new SimpleMeterRegistry())).isInstanceOf(IOException.class);
    }

    @Test
    void disabledLogWritesNothing() throws Exception {
        AccessLog log = AccessLog.start(AccessLogConfig.off(), new SimpleMeterRegistry());

        assertThat(log).isSameAs(AccessLog.OFF);
        assertThat(log.enabled()).isFalse();
        log.log(entry("x", "/"));
        log.close();
    }

    private static Path rotated(Path file) {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
