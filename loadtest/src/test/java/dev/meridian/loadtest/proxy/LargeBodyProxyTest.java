package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Big bodies stream through intact, and the router does not hold them in memory. */
class LargeBodyProxyTest {

    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1).server("{max-request-body: 8MiB}"));

    @Test
    void fiveMegabyteRequestBodyArrivesIntact() throws Exception {
        byte[] body = new byte[5 * MIB];
        ThreadLocalRandom.current().nextBytes(body);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));

        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/echo", Map.of("Content-Type", "application/octet-stream"), body);
            RawHttpClient.Response response = client.readResponse();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text())
                    .contains("\"bodyBytes\":" + body.length)
                    .contains("\"bodySha256\":\"" + expected + "\"");
        }
    }

    @Test
    void fiftyMegabyteResponseToASlowClientArrivesIntactWithBoundedRouterMemory() throws Exception {
        int size = 50 * MIB;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        byte[] pattern = new byte[size];
        for (int i = 0; i < size; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        String expectedSha = HexFormat.of().formatHex(expected.digest(pattern));

        AtomicLong peakDirect = new AtomicLong();
        AtomicLong chunks = new AtomicLong();
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.socket().setReceiveBufferSize(64 * 1024);
            client.sendRequest("GET", "/bytes/" + size, Map.of(), new byte[0]);
            RawHttpClient.Response response = client.readResponse(chunk -> {
                // A slow reader: every 64th read yields the CPU so the router must hold back the upstream.
                if (chunks.incrementAndGet() % 64 == 0) {
                    Thread.yield();
                }
                long used = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                        + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
                peakDirect.accumulateAndGet(used, Math::max);
            }, true);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.length()).isEqualTo(size);
            assertThat(response.sha256()).isEqualTo(expectedSha);
        }
        assertThat(peakDirect.get())
                .as("pooled memory of router and gateway together while 50 MiB streamed through")
                .isLessThan(16L * MIB);
    }

    @Test
    void requestBodyOverTheLimitIsRefusedWith413() throws Exception {
        RawHttpClient.Response response = RawHttpClient.exchange(fixture.port(),
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + (9 * MIB) + "\r\n\r\n");
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.text()).contains("\"error\":\"body_too_large\"");
        assertThat(fixture.totalRequests()).as("the upstream never saw it").isZero();
    }

    @Test
    void chunkedRequestBodyOverTheLimitIsRefusedWith413() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[MIB];
            String size = Integer.toHexString(chunk.length);
            RawHttpClient.Response response = null;
            for (int i = 0; i < 9; i++) {
                try {
                    client.send((size + "\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    client.send(chunk);
                    client.send("\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                } catch (java.io.IOException closed) {
                    break; // the router answered and closed while we were still sending
                }
            }
            response = client.readResponse();
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.text()).contains("\"error\":\"body_too_large\"");
        }
    }
}
