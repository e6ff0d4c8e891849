package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.MeridianConfig;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A slow upstream pushes back on the client's upload instead of making the router buffer it. */
class BackpressureProxyTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void anUpstreamThatStopsReadingStallsTheClientUploadWithBoundedRouterMemory() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            upstream.setReceiveBufferSize(64 * 1024);
            MeridianConfig config = RouterFixture.builder()
                    .server("{max-request-body: 256MiB}")
                    .set("timeouts", "{total: 30s}")
                    .regionAt("us-east4", List.of("http://127.0.0.1:" + upstream.getLocalPort()))
                    .build().config();
            try (MeridianServer router = MeridianServer.start(config);
                    Socket client = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
                client.setSendBufferSize(64 * 1024);
                AtomicLong sent = new AtomicLong();
                Thread uploader = new Thread(() -> upload(client, 200 * MIB, sent), "uploader");
                uploader.setDaemon(true);
                uploader.start();
                try (Socket accepted = upstream.accept()) {
                    assertThat(accepted.isConnected()).isTrue();
                    // The upstream accepted and reads nothing: the upload must stall well short of 200 MiB.
                    AtomicLong previous = new AtomicLong(-1);
                    Awaitility.await("upload stalls").atMost(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(300))
                            .until(() -> {
                                long now = sent.get();
                                return now > 0 && now == previous.getAndSet(now);
                            });
                    assertThat(sent.get()).as("bytes the client managed to send").isLessThan(32L * MIB);
                    long pooled = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                            + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
                    assertThat(pooled).as("router's pooled memory while the upload is stalled").isLessThan(16L * MIB);
                    assertThat(uploader.isAlive()).isTrue();
                }
            }
        }
    }

    private static void upload(Socket client, int size, AtomicLong sent) {
        try {
            OutputStream out = client.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[16 * 1024];
            for (int written = 0; written < size; written += chunk.length) {
                out.write(chunk);
                sent.addAndGet(chunk.length);
            }
        } catch (IOException expectedWhenTheTestCloses) {
            // the test closes the sockets while this thread is blocked in write
        }
    }
}
