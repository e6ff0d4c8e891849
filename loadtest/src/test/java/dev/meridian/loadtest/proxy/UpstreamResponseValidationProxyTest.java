package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.router.MeridianServer;
import dev.meridian.testing.RouterFixture;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An upstream that answers with a malformed or ambiguous response: the client gets a 502
 * {@code upstream_protocol_error} (never the response), or, when the response had already started,
 * a connection closed before its end. The upstream is a raw responder that writes each case's
 * bytes verbatim once it has read a request head.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamResponseValidationProxyTest {

    private EventLoopGroup group;

    @BeforeAll
    void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-upstream", true),
                NioIoHandler.newFactory());
    }

    @AfterAll
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static Stream<Arguments> badResponses() {
        return Stream.of(
                Arguments.of("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n"),
                Arguments.of("differing Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
                Arguments.of("identical Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("non-numeric Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok"),
                Arguments.of("TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("TE gzip alone", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"),
                Arguments.of("TE Chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("NUL in a value", "HTTP/1.1 200 OK\r\nX: a\u0000b\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("bare CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
                Arguments.of("invalid header name", "HTTP/1.1 200 OK\r\nX@Y: a\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("status out of range", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("unasked 101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n"),
                Arguments.of("100 with a body", "HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\nok"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                Arguments.of("not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n"),
                Arguments.of("bad chunk size before any body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nabc\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badResponses")
    void aBadResponseBecomes502AndIsNeverPassedOn(String name, String response) throws Exception {
        try (RawUpstream upstream = new RawUpstream(group, response);
                MeridianServer router = router(upstream.port());
                RawHttpClient client = new RawHttpClient(router.port())) {
            client.send("GET /v1/x HTTP/1.1\r\nHost: t\r\nX-Request-ID: case-1\r\n\r\n");
            RawHttpClient.Response answer = client.readResponse();
            if (answer.status() == 200) {
                // The head was valid and went out; the malformed body must cut the response short.
                assertThat(name).as("only a bad body may start a response").contains("chunk");
                assertThat(answer.complete()).isFalse();
            } else {
                assertThat(answer.status()).as(name).isEqualTo(502);
                assertThat(answer.text()).startsWith("{\"error\":\"upstream_protocol_error\",\"detail\":\"")
                        .doesNotContain("127.0.0.1").doesNotContain(String.valueOf(upstream.port()))
                        .doesNotContain("Exception");
                assertThat(answer.header("X-Request-ID")).isEqualTo("case-1");
                assertThat(answer.text()).doesNotContain("ok\"").doesNotContain("abc");
            }
            assertThat(upstream.requests()).as("the upstream was asked once").isEqualTo(1);
        }
    }

    @Test
    void aBadChunkAfterTheResponseStartedClosesTheClientConnection() throws Exception {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nmore\r\n0\r\n\r\n";
        RawHttpClient.Response answer = getXOnce(response);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.complete()).as("cut short, not ended cleanly").isFalse();
        assertThat(answer.text()).isEqualTo("abc");
    }

    @Test
    void aNoContentResponseThatAnnouncesABodyIsForwardedWithoutOneAndTheUpstreamConnectionIsNotReused()
            throws Exception {
        String response = "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\nok";
        try (RawUpstream upstream = new RawUpstream(group, response);
                MeridianServer router = router(upstream.port());
                RawHttpClient client = new RawHttpClient(router.port())) {
            for (int i = 0; i < 2; i++) {
                RawHttpClient.Response answer = getX(client);
                assertThat(answer.status()).isEqualTo(204);
                assertThat(answer.header("Content-Length")).isNull();
                assertThat(answer.body()).isEmpty();
            }
            assertThat(upstream.connections()).as("each 204 closed its upstream connection").isEqualTo(2);
        }
    }

    @Test
    void aBadResponseIsRetriedOnAnotherEndpointWhenTheRequestIsRepeatable() throws Exception {
        String bad = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        String good = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        try (RawUpstream broken = new RawUpstream(group, bad);
                RawUpstream healthy = new RawUpstream(group, good);
                MeridianServer router = router(broken.port(), healthy.port())) {
            for (int i = 0; i < 4; i++) {
                try (RawHttpClient client = new RawHttpClient(router.port())) {
                    RawHttpClient.Response answer = getX(client);
                    assertThat(answer.status()).isEqualTo(200);
                    assertThat(answer.text()).isEqualTo("ok");
                }
            }
            assertThat(healthy.requests()).as("every request ended on the healthy endpoint").isEqualTo(4);
            assertThat(broken.requests()).as("the broken one was tried, at most once per request").isBetween(0, 4);
        }
    }

    @Test
    void aWellFormedResponsePassesThrough() throws Exception {
        String response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Upstream: yes\r\n\r\nok";
        RawHttpClient.Response answer = getXOnce(response);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo("ok");
        assertThat(answer.header("X-Upstream")).isEqualTo("yes");
    }

    /** The answer to one {@code GET /v1/x} through a router whose one endpoint answers {@code upstreamResponse}. */
    private RawHttpClient.Response getXOnce(String upstreamResponse) throws Exception {
        try (RawUpstream upstream = new RawUpstream(group, upstreamResponse);
                MeridianServer router = router(upstream.port());
                RawHttpClient client = new RawHttpClient(router.port())) {
            return getX(client);
        }
    }

    /** {@code GET /v1/x} on {@code client}'s connection, and its answer. */
    private static RawHttpClient.Response getX(RawHttpClient client) throws IOException {
        client.send("GET /v1/x HTTP/1.1\r\nHost: t\r\n\r\n");
        return client.readResponse();
    }

    private static MeridianServer router(int... upstreamPorts) {
        List<String> endpoints = IntStream.of(upstreamPorts).mapToObj(port -> "http://127.0.0.1:" + port).toList();
        return MeridianServer.start(RouterFixture.builder().regionAt("us-east4", endpoints).build().config());
    }

    /** Answers each request head (read up to its blank line) with the same raw bytes; loopback, port 0. */
    private static final class RawUpstream implements AutoCloseable {
        private final Channel server;
        private final AtomicInteger requests = new AtomicInteger();
        private final AtomicInteger connections = new AtomicInteger();

        RawUpstream(EventLoopGroup group, String response) {
            byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.incrementAndGet();
                            ch.pipeline().addLast(new Responder(bytes));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .syncUninterruptibly()
                    .channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        int requests() {
            return requests.get();
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
        }

        private final class Responder extends ChannelInboundHandlerAdapter {
            private final byte[] response;
            /** The last bytes read, to find the blank line that ends a request head across reads. */
            private int tail;

            Responder(byte[] response) {
                this.response = response;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf in = (ByteBuf) msg;
                try {
                    while (in.isReadable()) {
                        tail = (tail << 8) | in.readUnsignedByte();
                        if (tail == 0x0d0a0d0a) {
                            tail = 0;
                            requests.incrementAndGet();
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(response));
                        }
                    }
                } finally {
                    in.release();
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
