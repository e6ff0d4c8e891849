package dev.meridian.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.json.JsonLineWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AccessLogFormat format = new AccessLogFormat();
    private final JsonLineWriter out = new JsonLineWriter();

    private static AccessLog.Entry entry(long epochMillis, InetAddress client, String uri) {
        return new AccessLog.Entry(epochMillis, "req-1", null, client, "GET", uri, null, null, null, 200, 5, -1, 1_000_000, 1, null);
    }

    private JsonNode line(AccessLog.Entry entry) throws Exception {
        out.reset();
        format.append(entry, out);
        return JSON.readTree(new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    @Test
    void aLineIsWrittenExactlyAsBefore() {
        format.append(new AccessLog.Entry(1_763_464_000_123L, "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c",
                InetAddress.getLoopbackAddress(), "POST", "/v2/code/completions?x=1", "completions", "us-east4",
                "10.1.0.5:5052", 200, 1834, 41_234_567, 43_912_345, 1, "geo"), out);

        assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("{\"time\":\"2025-11-18T11:06:40.123Z\","
                + "\"request_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\","
                + "\"client\":\"127.0.0.1\",\"method\":\"POST\",\"path\":\"/v2/code/completions\",\"route\":\"completions\","
                + "\"region\":\"us-east4\",\"endpoint\":\"10.1.0.5:5052\",\"status\":200,\"bytes\":1834,\"ttfb_ms\":41.2,"
                + "\"duration_ms\":43.9,\"attempts\":1,\"reason\":\"geo\"}\n");
    }

    @Test
    void timesReadAsInstantWritesThemAcrossSecondsAndYears() throws Exception {
        InetAddress client = InetAddress.getLoopbackAddress();
        for (long millis : List.of(1_763_464_000_000L, 1_763_464_000_007L, 1_763_464_000_120L, 1_763_464_000_999L,
                1_763_464_001_000L, 1_763_464_000_500L, 0L, -1L, 253_402_300_799_999L, 253_402_300_800_000L, -62_167_219_200_001L)) {
            assertThat(line(entry(millis, client, "/")).get("time").asText()).as("%d ms", millis)
                    .isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
    }

    @Test
    void clientsWhoseCacheSlotsCollideKeepTheirOwnText() throws Exception {
        List<InetAddress> clients = List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.1.1"),
                InetAddress.getByName("2001:db8::1"), InetAddress.getByName("fe80::1%1"), InetAddress.getByName("10.0.0.1"));
        for (int round = 0; round < 2; round++) {
            for (InetAddress client : clients) {
                assertThat(line(entry(0, client, "/")).get("client").asText())
                        .isEqualTo(ForwardingHeaders.addressText(client)).doesNotContain("%");
            }
        }
    }

    @Test
    void pathsLoseTheirQueryAndAreCutAfterTheLimit() throws Exception {
        InetAddress client = InetAddress.getLoopbackAddress();
        String exact = "/" + "a".repeat(AccessLogFormat.MAX_PATH - 1);

        assertThat(line(entry(0, client, "/x?token=secret#f")).get("path").asText()).isEqualTo("/x");
        assertThat(line(entry(0, client, exact + "?q")).get("path").asText()).isEqualTo(exact);
        assertThat(line(entry(0, client, exact + "b")).get("path").asText()).isEqualTo(exact + "...");
        assertThat(line(entry(0, client, "/\"q\u0001")).get("path").asText()).as("escaped, from the buffer too")
                .isEqualTo("/\"q\u0001");
        assertThat(line(entry(0, client, "/\"q\u0001?x")).get("path").asText()).isEqualTo("/\"q\u0001");
    }
}
