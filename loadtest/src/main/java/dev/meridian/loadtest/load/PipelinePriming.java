package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs the client's HTTP codec over canned exchanges in memory before a run's clock starts.
 *
 * <p>Why: the first requests of a JVM load a few hundred classes (the codec, header handling, the
 * buffer allocator, and in Netty 4.2 the allocator's JFR event types), which stalls the event loop
 * for a few hundred milliseconds. In an open loop every request due during that stall is charged
 * with it, so an unprimed run starts with a latency spike that belongs to the load generator, not
 * to the target. Priming here, off the event loops and without sending anything to the target,
 * moves that cost before time zero. (JIT warm-up still needs {@link LoadSpec#withWarmup}.)
 */
final class PipelinePriming {

    private static final int ROUNDS = 64;
    private static final String[] RESPONSES = {
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n",
    };

    private PipelinePriming() {
    }

    /** Encodes and decodes {@value #ROUNDS} exchanges in an {@link EmbeddedChannel} and releases everything. */
    static void prime(String hostHeader) {
        PreparedRequest get = new PreparedRequest(RequestTemplate.of("GET", "/", Map.of(), ""), hostHeader);
        PreparedRequest post = new PreparedRequest(RequestTemplate.of("POST", "/", Map.of(), "{}"), hostHeader);
        ByteBufAllocator.DEFAULT.directBuffer(4096).release();
        ByteBufAllocator.DEFAULT.heapBuffer(4096).release();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpClientCodec());
        try {
            for (int i = 0; i < ROUNDS; i++) {
                channel.writeOutbound((i % 2 == 0 ? get : post).newRequest());
                releaseAll(channel, false);
                ByteBuf response = ByteBufAllocator.DEFAULT.directBuffer();
                response.writeCharSequence(RESPONSES[i % RESPONSES.length], US_ASCII);
                channel.writeInbound(response);
                releaseAll(channel, true);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void releaseAll(EmbeddedChannel channel, boolean inbound) {
        for (Object message = next(channel, inbound); message != null; message = next(channel, inbound)) {
            ReferenceCountUtil.release(message);
        }
    }

    private static @Nullable Object next(EmbeddedChannel channel, boolean inbound) {
        return inbound ? channel.readInbound() : channel.readOutbound();
    }
}
