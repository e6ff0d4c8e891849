package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.MeridianConfig;
import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slowloris and slow bodies: a client too slow with its head or body gets 408 and is closed, a
 * silent one is closed, a slow upstream never gets a fast client a 408, and well-behaved clients
 * keep being served while hundreds of slow ones trickle bytes.
 */
class SlowClientProxyTest {

    private static final String LIMITS = "{request-head-timeout: 300ms, request-body-timeout: 300ms, "
            + "client-idle-timeout: 500ms, max-request-body: 64MiB}";

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1).server(LIMITS));
    private ScheduledExecutorService trickler;

    @BeforeEach
    void start() {
        trickler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "trickler");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        trickler.shutdownNow();
        assertThat(trickler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aClientTricklingItsHeadOneBytePerHundredMillisecondsGets408AndIsClosed() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            byte[] head = "GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                    .getBytes(ISO_8859_1);
            long start = System.nanoTime();
            trickle(client.socket(), head, Duration.ofMillis(100));
            RawHttpClient.Response response = client.readResponse();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.text()).startsWith("{\"error\":\"request_timeout\",\"detail\":\"");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(closedWithinSeconds(client.socket(), 5)).isTrue();
            assertThat(tookMillis).as("the head timeout, give or take scheduling").isBetween(250L, 5_000L);
        }
        assertThat(fixture.totalRequests()).isZero();
        assertThat(timeouts("head")).isEqualTo(1);
        assertThat(errorResponses("request_timeout")).isEqualTo(1);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAResponse() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            assertThat(closedWithinSeconds(client.socket(), 5)).as("end of stream, no byte before it").isTrue();
        }
        assertThat(timeouts("head")).isEqualTo(1);
        assertThat(errorResponses("request_timeout")).isZero();
    }

    @Test
    void aClientTricklingItsBodyGets408() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 64\r\n\r\n{\"a\":");
            // One byte per 600 ms: each wait for the next part is longer than the body timeout.
            trickle(client.socket(), "1".repeat(59).getBytes(ISO_8859_1), Duration.ofMillis(600));
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(408);
            assertThat(response.text()).contains("request_timeout");
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(closedWithinSeconds(client.socket(), 5)).isTrue();
        }
        assertThat(timeouts("body")).isEqualTo(1);
        assertThat(timeouts("head")).isZero();
    }

    @Test
    void anUpstreamSlowToAnswerDoesNotTriggerTheBodyTimeout() throws Exception {
        fixture.gateway(0).setFault(Fault.slow(Duration.ofSeconds(1)));
        byte[] body = new byte[1024 * 1024];
        Arrays.fill(body, (byte) 'x');
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.sendRequest("POST", "/echo", Map.of("Content-Type", "application/octet-stream"), body);
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
        }
        assertThat(timeouts("body")).isZero();
    }

    @Test
    void anUpstreamThatStopsReadingTheBodyDoesNotTriggerTheBodyTimeout() throws Exception {
        int size = 32 * 1024 * 1024;
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            upstream.setReceiveBufferSize(64 * 1024);
            MeridianConfig config = RouterFixture.builder().server(LIMITS)
                    .regionAt("us-east4", List.of("http://127.0.0.1:" + upstream.getLocalPort())).build().config();
            try (MeridianServer router = MeridianServer.start(config);
                    RawHttpClient client = new RawHttpClient(router.port())) {
                client.socket().setSendBufferSize(64 * 1024);
                Thread uploader = new Thread(() -> {
                    try {
                        client.send(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + "\r\n\r\n")
                                .getBytes(ISO_8859_1));
                        byte[] chunk = new byte[64 * 1024];
                        for (int sent = 0; sent < size; sent += chunk.length) {
                            client.send(chunk);
                        }
                    } catch (IOException e) {
                        // the assertions below tell what went wrong
                    }
                }, "uploader");
                uploader.setDaemon(true);
                uploader.start();
                try (Socket accepted = upstream.accept()) {
                    // The upstream reads nothing for three body timeouts: the upload stalls, the
                    // router stops reading the client, and no clock may run against the client.
                    CountDownLatch never = new CountDownLatch(1);
                    assertThat(never.await(1, TimeUnit.SECONDS)).isFalse();
                    assertThat(uploader.isAlive()).as("the upload is stalled by the upstream").isTrue();
                    long received = drainRequest(accepted.getInputStream());
                    assertThat(received).isEqualTo(size);
                    OutputStream out = accepted.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(ISO_8859_1));
                    out.flush();
                    RawHttpClient.Response response = client.readResponse();
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(response.text()).isEqualTo("ok");
                }
                assertThat(router.meterRegistry().get("meridian.client.timeouts").tag("phase", "body").counter().count())
                        .isZero();
            }
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAndCounted() throws Exception {
        try (RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            assertThat(closedWithinSeconds(client.socket(), 5)).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> timeouts("idle") == 1);
        assertThat(timeouts("head")).isZero();
    }

    /**
     * While 200 slowloris connections trickle header bytes (and reconnect when closed), a
     * well-behaved keep-alive client's 200 sequential requests are all answered. Latency is
     * printed, not asserted.
     */
    @Test
    void wellBehavedClientsAreServedDuringASlowlorisAttack() throws Exception {
        try (ProxyFixture attacked = ProxyFixture.start(
                ProxyFixture.oneRegion(1).server("{request-head-timeout: 2s, max-connections-per-ip: 0}"))) {
            long[] quiet = sequentialRequests(attacked.port(), 200);

            List<Socket> attackers = new ArrayList<>();
            AtomicInteger reconnects = new AtomicInteger();
            try {
                for (int i = 0; i < 200; i++) {
                    attackers.add(slowlorisConnection(attacked.port()));
                }
                Awaitility.await("attackers accepted").atMost(Duration.ofSeconds(10))
                        .until(() -> attacked.router().openClientConnections() >= 200);
                trickler.scheduleAtFixedRate(() -> {
                    for (int i = 0; i < attackers.size(); i++) {
                        try {
                            attackers.get(i).getOutputStream().write('a');
                        } catch (IOException closedByTheRouter) {
                            try {
                                attackers.get(i).close();
                                if (reconnects.incrementAndGet() < 10_000) {
                                    attackers.set(i, slowlorisConnection(attacked.port()));
                                }
                            } catch (IOException e) {
                                // try again on the next tick
                            }
                        }
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);

                long[] underAttack = sequentialRequests(attacked.port(), 200);
                // Each first-wave attacker is still open or was cut off by the head timeout (counted
                // before its close), whichever way the timing fell. (The well-behaved client's own
                // connection may or may not still be counted as open: it is not subtracted.)
                double headTimeouts = attacked.router().meterRegistry().get("meridian.client.timeouts")
                        .tag("phase", "head").counter().count();
                assertThat(attacked.router().openClientConnections() + headTimeouts)
                        .as("the attack was on while the client was served").isGreaterThanOrEqualTo(200);
                System.out.printf(Locale.ROOT, "well-behaved client, 200 sequential requests: quiet p50 %.2f ms p99 %.2f ms;"
                        + " under a 200-connection slowloris attack p50 %.2f ms p99 %.2f ms (%d attacker reconnects)%n",
                        percentile(quiet, 50), percentile(quiet, 99), percentile(underAttack, 50),
                        percentile(underAttack, 99), reconnects.get());
            } finally {
                trickler.shutdownNow();
                assertThat(trickler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
                for (Socket attacker : attackers) {
                    attacker.close();
                }
            }
            assertThat(attacked.totalRequests()).as("only the well-behaved requests reached the gateway").isEqualTo(400);
        }
    }

    private static Socket slowlorisConnection(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.getOutputStream().write("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ".getBytes(ISO_8859_1));
        return socket;
    }

    /** Request times in nanoseconds; every request must be answered 200 within the client's read timeout. */
    private static long[] sequentialRequests(int port, int count) throws IOException {
        long[] nanos = new long[count];
        try (RawHttpClient client = new RawHttpClient(port)) {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                client.send("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
                RawHttpClient.Response response = client.readResponse();
                nanos[i] = System.nanoTime() - start;
                assertThat(response.status()).isEqualTo(200);
            }
        }
        return nanos;
    }

    private static double percentile(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1_000_000.0;
    }

    /** Sends {@code bytes} one at a time, one per {@code interval}, from the trickler thread. */
    private void trickle(Socket socket, byte[] bytes, Duration interval) {
        AtomicInteger next = new AtomicInteger();
        trickler.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i < bytes.length) {
                try {
                    socket.getOutputStream().write(bytes[i]);
                } catch (IOException closed) {
                    next.set(bytes.length);
                }
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the peer closed the connection (end of stream with no byte before it) within {@code seconds}. */
    static boolean closedWithinSeconds(Socket socket, int seconds) throws IOException {
        socket.setSoTimeout(seconds * 1000);
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** Reads a request head and its Content-Length body; returns the body's length. */
    private static long drainRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (head.size() >= 4 && head.toString(ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        long length = 0;
        for (String line : head.toString(ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        byte[] buffer = new byte[64 * 1024];
        long received = 0;
        while (received < length) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - received));
            if (n < 0) {
                break;
            }
            received += n;
        }
        return received;
    }

    private double timeouts(String phase) {
        return fixture.router().meterRegistry().get("meridian.client.timeouts").tag("phase", phase).counter().count();
    }

    private double errorResponses(String error) {
        return fixture.router().meterRegistry().get("meridian.error.responses").tag("error", error).counter().count();
    }
}
