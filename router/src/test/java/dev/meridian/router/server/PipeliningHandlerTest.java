package dev.meridian.router.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 pipelining: one request at a time to the proxy stage, the rest held in order, reads held back. */
class PipeliningHandlerTest {

    private final ReadCounter reads = new ReadCounter();
    private final List<Object> passed = new ArrayList<>();
    private Consumer<Object> onPassed = msg -> { };
    private PipeliningHandler pipelining;
    private EmbeddedChannel channel;

    private void open(int maxPipelined) {
        pipelining = new PipeliningHandler(maxPipelined);
        channel = new EmbeddedChannel(reads, pipelining, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg);
                onPassed.accept(msg);
            }
        });
        channel.config().setAutoRead(false);
    }

    @AfterEach
    void close() {
        passed.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    @Test
    void requestsPipelinedBehindTheOneInFlightWaitForItsResponseAndKeepTheirOrder() {
        open(4);
        HttpRequest first = request("/a");
        HttpRequest second = request("/b");
        HttpContent secondBody = body("x");
        HttpRequest third = request("/c");
        channel.writeInbound(first, second, secondBody, third);
        assertThat(passed).containsExactly(first);

        pipelining.requestFinished(true);
        assertThat(passed).as("the next request with its body, not the one behind it").containsExactly(first, second, secondBody);

        pipelining.requestFinished(true);
        assertThat(passed).containsExactly(first, second, secondBody, third);
    }

    @Test
    void noReadGoesThroughWhileRequestsAreHeld() {
        open(4);
        channel.writeInbound(request("/a"), request("/b"));
        int before = reads.count;
        channel.read();
        assertThat(reads.count).as("a held request bounds what the client can push").isEqualTo(before);

        pipelining.requestFinished(true);
        channel.read();
        assertThat(reads.count).isEqualTo(before + 1);
    }

    @Test
    void theBodyOfTheRequestInFlightPassesStraightThrough() {
        open(4);
        HttpRequest head = request("/a");
        HttpContent part = body("x");
        channel.writeInbound(head, part);
        assertThat(passed).containsExactly(head, part);
    }

    @Test
    void aConnectionThatEndsDropsWhatIsHeld() {
        open(4);
        HttpContent heldBody = body("held");
        channel.writeInbound(request("/a"), request("/b"), heldBody);

        pipelining.requestFinished(false);
        assertThat(heldBody.refCnt()).isZero();
        assertThat(passed).hasSize(1);
    }

    @Test
    void moreThanTheLimitGetsTheOwedResponsesThenTheConnectionCloses() {
        open(1);
        HttpContent beyond = body("beyond");
        channel.writeInbound(request("/a"), request("/b"), request("/c"), beyond);
        assertThat(beyond.refCnt()).as("what came beyond the limit is dropped").isZero();
        assertThat(pipelining.lastRequest()).as("/b is still owed").isFalse();

        pipelining.requestFinished(true);
        assertThat(passed).hasSize(2);
        assertThat(pipelining.lastRequest()).as("/b's response says Connection: close").isTrue();
        assertThat(channel.isOpen()).isTrue();

        pipelining.requestFinished(true);
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aRequestAnsweredAtOnceLetsTheNextOneThroughInOrder() {
        open(4);
        HttpRequest refused = request("/refused");
        HttpRequest next = request("/next");
        HttpRequest last = request("/last");
        channel.writeInbound(request("/a"), refused, next, last);
        // The proxy stage answers /refused while it is being passed on, before /next may go.
        onPassed = msg -> {
            if (msg == refused) {
                pipelining.requestFinished(true);
            }
        };
        pipelining.requestFinished(true);
        assertThat(passed).as("/last waits for /next").endsWith(refused, next);
    }

    @Test
    void heldMessagesAreReleasedWhenTheClientLeaves() {
        open(4);
        HttpContent heldBody = body("held");
        channel.writeInbound(request("/a"), request("/b"), heldBody);
        channel.close();
        assertThat(heldBody.refCnt()).isZero();
    }

    private static HttpRequest request(String uri) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
    }

    private static HttpContent body(String text) {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, US_ASCII));
    }
}
