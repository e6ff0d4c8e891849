package dev.meridian.loadtest.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 from clients (h2c with prior knowledge): many streams on one connection are independent,
 * a stream whose client does not read holds back only itself, and a rapid-reset flood closes the
 * abusive connection while other clients carry on.
 */
class Http2StreamsProxyTest {

    @RegisterExtension
    final ProxyFixture fixture = ProxyFixture.of(ProxyFixture.oneRegion(1)
            .server("{http2: {max-concurrent-streams: 200, max-resets-per-second: 50}}"));

    @Test
    void aHundredConcurrentStreamsWithOneSlowReaderTheOthersAreUnaffected() throws Exception {
        long size = 4_000_000;
        try (H2Client client = new H2Client(fixture.router().localAddress())) {
            H2Client.Response slow = client.send(client.get("/bytes/" + size), false);
            List<H2Client.Response> others = new ArrayList<>();
            for (int i = 0; i < 99; i++) {
                others.add(client.send(client.get("/echo?i=" + i), true));
            }

            for (H2Client.Response response : others) {
                Http2Headers headers = response.headers.get(10, TimeUnit.SECONDS);
                assertThat(headers.status().toString()).isEqualTo("200");
                assertThat(headers.get("x-meridian-region").toString()).isEqualTo("us-east4");
                assertThat(response.done.get(10, TimeUnit.SECONDS)).isPositive();
            }
            // The unread stream is still open and waiting, held back by its own window only.
            assertThat(slow.done).isNotDone();
            assertThat(slow.bodyBytes.get()).isZero();

            slow.startReading();
            assertThat(slow.done.get(30, TimeUnit.SECONDS)).isEqualTo(size);
            assertThat(slow.mismatches).isZero();
        }
        assertThat(fixture.totalRequests()).isEqualTo(100);
    }

    @Test
    void aRapidResetFloodClosesTheAbusiveConnectionAndSparesTheOthers() throws Exception {
        try (H2Client good = new H2Client(fixture.router().localAddress());
                H2Client abusive = new H2Client(fixture.router().localAddress())) {
            assertThat(good.send(good.get("/echo"), true).done.get(10, TimeUnit.SECONDS)).isPositive();

            // Open a stream and cancel it at once, again and again (CVE-2023-44487), bounded in count.
            for (int i = 0; i < 2_000 && abusive.connection.isActive(); i++) {
                Http2StreamChannel stream;
                try {
                    stream = new Http2StreamChannelBootstrap(abusive.connection).open().sync().getNow();
                } catch (Exception e) {
                    break; // the router closed the connection
                }
                Http2Headers post = abusive.get("/echo").method("POST");
                stream.write(new DefaultHttp2HeadersFrame(post, false));
                stream.close(); // RST_STREAM CANCEL
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> !abusive.connection.isActive());
            // The router answered with GOAWAY ENHANCE_YOUR_CALM (the client may not see it: closing
            // a socket with unread input sends a TCP reset, which drops what the client had not read).
            assertThat(fixture.router().meterRegistry().find("meridian.client.http2.errors")
                    .tag("error", Http2Error.ENHANCE_YOUR_CALM.name()).counter())
                    .isNotNull().satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
            // The well-behaved connection is untouched.
            assertThat(good.connection.isActive()).isTrue();
            for (int i = 0; i < 5; i++) {
                H2Client.Response response = good.send(good.get("/echo?after=" + i), true);
                assertThat(response.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
                assertThat(response.done.get(10, TimeUnit.SECONDS)).isPositive();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().openClientConnections() == 0);
    }
}
