package dev.meridian.loadtest.gateway;

import dev.meridian.loadtest.SocketTransport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code /bytes/{n}} must not queue a large body in memory when the client reads slowly. */
class BackpressureTest {

    private static final long LENGTH = 50L * 1024 * 1024;

    @ParameterizedTest
    @EnumSource(SocketTransport.class)
    void aClientThatStopsReadingStopsTheServerWithOnlyAHighWaterMarkQueued(SocketTransport transport)
            throws Exception {
        try (SimulatedGateway gateway = SimulatedGateway.start(GatewayConfig.of("bp"), transport, Clock.systemUTC());
                RawHttpConnection connection = RawHttpConnection.open(gateway.port(), Duration.ofSeconds(10), 64 * 1024)) {
            connection.send("GET /bytes/" + LENGTH + " HTTP/1.1\r\nhost: x");
            RawHttpConnection.Head head = connection.readHead();

            await().atMost(Duration.ofSeconds(5)).until(() -> gateway.pendingOutboundBytes() > 0);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(gateway.pendingOutboundBytes())
                            .as("write buffer high-water mark (64 KiB) plus one 16 KiB chunk at most")
                            .isLessThanOrEqualTo(64 * 1024 + PatternBytesStream.CHUNK_SIZE));

            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[256 * 1024];
            long received = 0;
            while (received < LENGTH) {
                int read = connection.input().read(buffer, 0, (int) Math.min(buffer.length, LENGTH - received));
                assertThat(read).as("body ended early after %d bytes", received).isPositive();
                digest.update(buffer, 0, read);
                received += read;
            }

            assertThat(head.header("content-length")).isEqualTo(Long.toString(LENGTH));
            assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(EndpointsTest.expectedPatternSha256(LENGTH));
            await().atMost(Duration.ofSeconds(2)).until(() -> gateway.stats().responsesCompleted() == 1);
        }
    }
}
