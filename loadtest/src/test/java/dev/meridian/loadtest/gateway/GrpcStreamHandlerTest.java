package dev.meridian.loadtest.gateway;

import static dev.meridian.loadtest.gateway.EmbeddedHttp.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link GrpcStreamHandler} on an {@code EmbeddedChannel}: framing, flow control and errors, frame by frame. */
class GrpcStreamHandlerTest {

    private final ReadCounter reads = new ReadCounter();
    private final EmbeddedChannel channel =
            new EmbeddedChannel(reads, new GrpcStreamHandler(state(Fault.none(), LatencyModel.none())));

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void asksForMoreFramesOnlyWhileItCanWriteItsAnswers() {
        channel.writeInbound(new DefaultHttp2HeadersFrame(request(ConverseCall.PATH)));
        assertThat(channel.config().isAutoRead()).as("reads are paced by the handler").isFalse();
        int afterHeaders = reads.count;
        assertThat(afterHeaders).isPositive();

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        channel.writeInbound(new DefaultHttp2DataFrame(framed(new ChatMessage("a", 1, ""))));

        assertThat(reply(channel)).isEqualTo(new ChatMessage("a", 1, "embedded"));
        assertThat(reads.count).as("no read while the answer cannot be written").isEqualTo(afterHeaders);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();
        assertThat(reads.count).as("writable again: read on").isEqualTo(afterHeaders + 1);
    }

    @Test
    void messagesSplitAcrossFramesAndSeveralInOneFrameAreEachAnsweredThenOkOnHalfClose() {
        ByteBuf two = Unpooled.wrappedBuffer(framed(new ChatMessage("one", 1, "")), framed(new ChatMessage("two", 2, "")));
        ByteBuf first = two.readRetainedSlice(3);
        channel.writeInbound(new DefaultHttp2HeadersFrame(request(ConverseCall.PATH)));
        channel.writeInbound(new DefaultHttp2DataFrame(first));
        assertThat(channel.<Object>readOutbound()).as("nothing until a message is whole").isNull();

        channel.writeInbound(new DefaultHttp2DataFrame(two, true));

        Http2HeadersFrame headers = channel.readOutbound();
        assertThat(headers.headers().status()).hasToString("200");
        assertThat(headers.headers().get("content-type")).hasToString("application/grpc");
        assertThat(headers.isEndStream()).isFalse();
        assertThat(reply(channel).text()).isEqualTo("one");
        assertThat(reply(channel).text()).isEqualTo("two");
        Http2HeadersFrame trailers = channel.readOutbound();
        assertThat(trailers.isEndStream()).isTrue();
        assertThat(trailers.headers().get("grpc-status")).hasToString("0");
    }

    @Test
    void withoutTeTrailersTheCallFailsTrailersOnlyWithInternal() {
        Http2Headers headers = request(ConverseCall.PATH);
        headers.remove("te");

        channel.writeInbound(new DefaultHttp2HeadersFrame(headers));

        Http2HeadersFrame trailersOnly = channel.readOutbound();
        assertThat(trailersOnly.isEndStream()).isTrue();
        assertThat(trailersOnly.headers().get("grpc-status")).hasToString("13");
        assertThat(trailersOnly.headers().get("grpc-message").toString()).startsWith("te: null");
        Http2ResetFrame reset = channel.readOutbound();
        assertThat(reset.errorCode()).as("RST_STREAM(NO_ERROR): the request need not be finished").isZero();
    }

    @Test
    void aCompressedMessageWithoutGrpcEncodingIsUnimplemented() {
        ByteBuf message = framed(new ChatMessage("z", 1, ""));
        message.setByte(0, 1);
        channel.writeInbound(new DefaultHttp2HeadersFrame(request(ConverseCall.PATH)));

        channel.writeInbound(new DefaultHttp2DataFrame(message, true));

        Http2HeadersFrame trailers = channel.readOutbound();
        assertThat(trailers.headers().get("grpc-status")).hasToString("12");
    }

    @Test
    void aStreamEndingInsideAMessageIsInternal() {
        ByteBuf message = framed(new ChatMessage("cut", 1, ""));
        channel.writeInbound(new DefaultHttp2HeadersFrame(request(ConverseCall.PATH)));

        channel.writeInbound(new DefaultHttp2DataFrame(message.retainedSlice(0, message.readableBytes() - 1), true));
        message.release();

        Http2HeadersFrame trailers = channel.readOutbound();
        assertThat(trailers.headers().get("grpc-status")).hasToString("13");
    }

    @Test
    void healthCheckAnswersServingForTheServerAsAWhole() {
        channel.writeInbound(new DefaultHttp2HeadersFrame(request(HealthCheckCall.PATH)));
        ByteBuf message = Unpooled.buffer().writeByte(0).writeInt(0);

        channel.writeInbound(new DefaultHttp2DataFrame(message, true));

        Http2HeadersFrame headers = channel.readOutbound();
        assertThat(headers.isEndStream()).isFalse();
        Http2DataFrame data = channel.readOutbound();
        try {
            assertThat(data.content().readableBytes()).isEqualTo(5 + 2);
            assertThat(data.content().getByte(5)).as("field 1, varint").isEqualTo((byte) 0x08);
            assertThat(data.content().getByte(6)).as("SERVING").isEqualTo((byte) HealthCheckCall.SERVING);
        } finally {
            data.release();
        }
        Http2HeadersFrame trailers = channel.readOutbound();
        assertThat(trailers.headers().get("grpc-status")).hasToString("0");
    }

    private static Http2Headers request(String path) {
        return new DefaultHttp2Headers().method("POST").path(path).scheme("http").authority("gw")
                .set("content-type", "application/grpc").set("te", "trailers");
    }

    private static ByteBuf framed(ChatMessage message) {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeByte(0).writeInt(message.encodedSize());
        message.encode(buffer);
        return buffer;
    }

    private static ChatMessage reply(EmbeddedChannel channel) {
        Object frame = channel.readOutbound();
        while (frame instanceof Http2HeadersFrame) {
            frame = channel.readOutbound();
        }
        assertThat(frame).isInstanceOf(Http2DataFrame.class);
        ByteBuf content = ((Http2DataFrame) frame).content();
        try {
            assertThat(content.readUnsignedByte()).as("not compressed").isZero();
            assertThat(content.readInt()).isEqualTo(content.readableBytes());
            return ChatMessage.decode(content);
        } finally {
            content.release();
        }
    }

    /** Counts the reads the handler asks for. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
