package dev.meridian.router.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-connection client context: worked out once, from the PROXY header when there was one. */
class ClientContextTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionWithoutAnInternetPeerCountsAsLoopback() {
        ClientContext context = ClientContext.of(channel);
        assertThat(context.peer()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(context.peerText()).isEqualTo(InetAddress.getLoopbackAddress().getHostAddress());
    }

    @Test
    void theProxyProtocolSourceIsThePeer() throws Exception {
        channel.attr(ProxyProtocolHandler.SOURCE).set(InetAddress.getByName("198.51.100.9"));
        assertThat(ClientContext.of(channel).peerText()).isEqualTo("198.51.100.9");
    }

    @Test
    void isWorkedOutOncePerConnection() throws Exception {
        ClientContext first = ClientContext.of(channel);
        channel.attr(ProxyProtocolHandler.SOURCE).set(InetAddress.getByName("198.51.100.9"));
        assertThat(ClientContext.of(channel)).as("every request of the connection shares the first one's").isSameAs(first);
    }

    @Test
    void anIpv6PeerIsWrittenWithoutItsZone() throws Exception {
        InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3);
        assertThat(new ClientContext(scoped).peerText()).isEqualTo("fe80:0:0:0:0:0:0:1");
    }
}
