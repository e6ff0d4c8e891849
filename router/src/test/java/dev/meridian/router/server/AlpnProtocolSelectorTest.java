package dev.meridian.router.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ALPN stage of a TLS listener, driven past the handshake by calling its callbacks. */
class AlpnProtocolSelectorTest {

    private final List<Object> events = new ArrayList<>();
    private final ReadCounter reads = new ReadCounter();
    private AlpnProtocolSelector selector;
    private EmbeddedChannel channel;

    @BeforeEach
    void open() throws Exception {
        // HTTP/2 off: every protocol ALPN may report ends in the HTTP/1.1 handlers.
        selector = new AlpnProtocolSelector(null, p -> p.addLast("http1", new EventRecorder()));
        channel = new EmbeddedChannel(false, false, reads, selector);
        channel.config().setAutoRead(false);
        channel.register();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void asksForTheClientHelloWhenTheConnectionOpens() {
        assertThat(reads.count).as("auto-read is off; the handshake needs a read").isEqualTo(1);
    }

    @Test
    void http11AddsTheHttp1HandlersAndAsksForTheFirstRequest() {
        selector.configurePipeline(channel.pipeline().context(selector), ApplicationProtocolNames.HTTP_1_1);
        assertThat(channel.pipeline().get("http1")).isNotNull();
        assertThat(reads.count).isEqualTo(2);
    }

    @Test
    void h2WithHttp2OffFallsBackToHttp11() {
        selector.configurePipeline(channel.pipeline().context(selector), ApplicationProtocolNames.HTTP_2);
        assertThat(channel.pipeline().get("http1")).isNotNull();
    }

    @Test
    void aDrainDuringTheHandshakeReachesTheProtocolHandlersOnceTheyAreInPlace() {
        channel.pipeline().fireUserEventTriggered(ProxyHandler.DRAIN);
        assertThat(events).as("held while no protocol handler can act on it").isEmpty();
        selector.configurePipeline(channel.pipeline().context(selector), ApplicationProtocolNames.HTTP_1_1);
        assertThat(events).containsExactly(ProxyHandler.DRAIN);
    }

    @Test
    void aFailedHandshakeClosesTheConnection() {
        selector.handshakeFailure(channel.pipeline().context(selector), new IllegalStateException("bad hello"));
        assertThat(channel.isOpen()).isFalse();
    }

    private final class EventRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }
    }
}
