package dev.meridian.router.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.ConfigDefaults;
import dev.meridian.config.Http2Config;
import dev.meridian.config.ServerConfig;
import dev.meridian.router.metrics.ClientLimitMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact per-address and global counting at accept. */
class ConnectionLimitHandlerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long now = 1_000_000_000L;

    private ConnectionLimitHandler limiter(int max, int perIp) {
        ServerConfig server = new ServerConfig(0, ConfigDefaults.TRANSPORT, 4096, 8192, 1024, ConfigDefaults.CLIENT_IDLE_TIMEOUT,
                ConfigDefaults.SHUTDOWN_GRACE, true, ConfigDefaults.REQUEST_HEAD_TIMEOUT, ConfigDefaults.REQUEST_BODY_TIMEOUT,
                max, perIp, ConfigDefaults.MAX_PIPELINED_REQUESTS, List.of(), Http2Config.ofDefaults());
        return new ConnectionLimitHandler(server, new ClientLimitMeters(registry), () -> now);
    }

    @Test
    void thePerAddressLimitCountsEachAddressApartAndForgetsAddressesAtZero() throws Exception {
        ConnectionLimitHandler limiter = limiter(100, 2);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(limiter.tryAcquire(a)).isNull();
        assertThat(limiter.tryAcquire(a)).isNull();
        assertThat(limiter.tryAcquire(a)).isEqualTo(ClientLimitMeters.Refusal.PER_IP);
        assertThat(limiter.tryAcquire(b)).as("another address has its own count").isNull();
        assertThat(limiter.openConnections()).as("a refusal is not counted as open").isEqualTo(3);

        limiter.release(a);
        assertThat(limiter.openConnections(a)).isEqualTo(1);
        assertThat(limiter.tryAcquire(a)).as("a closed connection frees a slot").isNull();
        limiter.release(a);
        limiter.release(a);
        limiter.release(b);
        assertThat(limiter.openConnections()).isZero();
        assertThat(limiter.trackedAddresses()).as("no entry stays for an address with no connection").isZero();
    }

    @Test
    void theGlobalLimitComesFirstAndZeroTurnsThePerAddressLimitOff() throws Exception {
        ConnectionLimitHandler limiter = limiter(3, 0);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire(a)).isNull();
        }
        assertThat(limiter.tryAcquire(a)).isEqualTo(ClientLimitMeters.Refusal.GLOBAL);
        assertThat(limiter.trackedAddresses()).isZero();
        limiter.release(a);
        assertThat(limiter.tryAcquire(InetAddress.getByName("192.0.2.9"))).isNull();
    }

    @Test
    void aRefusedConnectionIsClosedAndCountedAndAnAcceptedOneCountsUntilItCloses() {
        ConnectionLimitHandler limiter = limiter(1, 0);
        EmbeddedChannel listener = new EmbeddedChannel(limiter);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();
        try {
            listener.writeInbound(first);
            assertThat(listener.<Channel>readInbound()).isSameAs(first);
            listener.writeInbound(second);
            assertThat(listener.<Object>readInbound()).as("refused: not passed to the acceptor").isNull();
            assertThat(second.isOpen()).isFalse();
            assertThat(refused("global")).isEqualTo(1);
            assertThat(refused("per_ip")).isZero();

            first.close();
            assertThat(limiter.openConnections()).isZero();
            listener.writeInbound(third);
            assertThat(listener.<Channel>readInbound()).isSameAs(third);
        } finally {
            first.finishAndReleaseAll();
            second.finishAndReleaseAll();
            third.finishAndReleaseAll();
            listener.finishAndReleaseAll();
        }
    }

    private double refused(String reason) {
        return registry.get("meridian.client.connections.refused").tag("reason", reason).counter().count();
    }
}
