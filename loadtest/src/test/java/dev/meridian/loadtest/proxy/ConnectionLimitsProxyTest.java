package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Connection limits at accept, and the bound on pipelined requests. */
class ConnectionLimitsProxyTest {

    private static final String HEALTHZ = "GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\n\r\n";

    @Test
    void aConnectionOverThePerAddressLimitIsRefusedUntilOneCloses() throws Exception {
        try (ProxyFixture fixture = ProxyFixture.start(ProxyFixture.oneRegion(1).server("{max-connections-per-ip: 3}"))) {
            List<RawHttpClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    open.add(servedClient(fixture.port(), "127.0.0.1"));
                }
                assertRefused(fixture.port(), "127.0.0.1");
                awaitRefused(fixture, "per_ip", 1);
                assertThat(refused(fixture, "global")).isZero();

                RawHttpClient other = servedClient(fixture.port(), "127.0.0.2");
                open.add(other);
                assertThat(other.socket().isConnected()).as("another address has its own limit").isTrue();

                open.remove(0).close();
                RawHttpClient[] freed = new RawHttpClient[1];
                Awaitility.await("a slot frees when a connection closes").atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> (freed[0] = tryServedClient(fixture.port(), "127.0.0.1")) != null);
                open.add(freed[0]);
            } finally {
                for (RawHttpClient client : open) {
                    client.close();
                }
            }
        }
    }

    @Test
    void aConnectionOverTheGlobalLimitIsRefused() throws Exception {
        try (ProxyFixture fixture =
                ProxyFixture.start(ProxyFixture.oneRegion(1).server("{max-connections: 3, max-connections-per-ip: 0}"))) {
            List<RawHttpClient> open = new ArrayList<>();
            try {
                open.add(servedClient(fixture.port(), "127.0.0.1"));
                open.add(servedClient(fixture.port(), "127.0.0.2"));
                open.add(servedClient(fixture.port(), "127.0.0.3"));
                assertRefused(fixture.port(), "127.0.0.4");
                awaitRefused(fixture, "global", 1);
                assertThat(refused(fixture, "per_ip")).isZero();
                assertThat(fixture.router().openClientConnections()).isEqualTo(3);
            } finally {
                for (RawHttpClient client : open) {
                    client.close();
                }
            }
        }
    }

    @Test
    void aClientPipeliningMoreThanTheLimitGetsTheOwedResponsesThenTheConnectionCloses() throws Exception {
        try (ProxyFixture fixture = ProxyFixture.start(ProxyFixture.oneRegion(1).server("{max-pipelined-requests: 4}"));
                RawHttpClient client = new RawHttpClient(fixture.port())) {
            StringBuilder flood = new StringBuilder();
            for (int i = 1; i <= 12; i++) {
                flood.append("GET /monitoring/healthz HTTP/1.1\r\nHost: t\r\nX-Request-ID: r").append(i).append("\r\n\r\n");
            }
            client.send(flood.toString());
            for (int i = 1; i <= 5; i++) {
                RawHttpClient.Response response = client.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("X-Request-ID")).isEqualTo("r" + i);
                if (i == 5) {
                    assertThat(response.header("Connection")).as("the last owed response says so").isEqualTo("close");
                }
            }
            assertThat(SlowClientProxyTest.closedWithinSeconds(client.socket(), 5)).isTrue();
            assertThat(fixture.totalRequests()).as("the one answered first plus max-pipelined-requests").isEqualTo(5);
        }
    }

    @Test
    void pipeliningWithinTheLimitIsServedAndKeepsTheConnection() throws Exception {
        try (ProxyFixture fixture = ProxyFixture.start(ProxyFixture.oneRegion(1).server("{max-pipelined-requests: 4}"));
                RawHttpClient client = new RawHttpClient(fixture.port())) {
            client.send(HEALTHZ.repeat(5));
            for (int i = 0; i < 5; i++) {
                assertThat(client.readResponse().status()).isEqualTo(200);
            }
            client.send(HEALTHZ);
            RawHttpClient.Response next = client.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.header("Connection")).isNull();
        }
    }

    private static RawHttpClient servedClient(int port, String localAddress) throws IOException {
        RawHttpClient client = tryServedClient(port, localAddress);
        assertThat(client).as("a connection from " + localAddress + " is served").isNotNull();
        return client;
    }

    /** A connection that got a 200 on a request, or {@code null} when it was refused. */
    private static RawHttpClient tryServedClient(int port, String localAddress) throws IOException {
        RawHttpClient client = new RawHttpClient(port, localAddress);
        try {
            client.send(HEALTHZ);
            if (client.readResponse().status() == 200) {
                return client;
            }
        } catch (IOException refused) {
            // closed at accept
        }
        client.close();
        return null;
    }

    private static void assertRefused(int port, String localAddress) throws IOException {
        try (RawHttpClient client = new RawHttpClient(port, localAddress)) {
            assertThatThrownBy(() -> {
                client.send(HEALTHZ);
                client.readResponse();
            }).as("closed at accept, no response").isInstanceOf(IOException.class);
        }
    }

    /**
     * Waits for the refusal count: the listener counts before it closes, but the count is a
     * different object from the socket the client saw closed, so the test does not lean on ordering.
     */
    private static void awaitRefused(ProxyFixture fixture, String reason, double expected) {
        Awaitility.await("refused connections, " + reason).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(refused(fixture, reason)).isEqualTo(expected));
    }

    private static double refused(ProxyFixture fixture, String reason) {
        return fixture.router().meterRegistry().get("meridian.client.connections.refused").tag("reason", reason)
                .counter().count();
    }
}
