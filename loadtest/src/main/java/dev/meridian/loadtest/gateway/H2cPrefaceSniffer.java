package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3) from HTTP/1.1 on a plaintext connection by
 * its first bytes: the client connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n} selects
 * HTTP/2, any other byte HTTP/1.1. It then installs the handlers of that protocol behind itself and
 * leaves, passing on every byte it has seen. An HTTP/1.1 request diverges from the preface by its
 * second byte at the latest, so at most 24 bytes are ever held. Per channel.
 */
final class H2cPrefaceSniffer extends ByteToMessageDecoder {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Consumer<ChannelPipeline> http1;
    private final Consumer<ChannelPipeline> http2;

    H2cPrefaceSniffer(Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int seen = Math.min(in.readableBytes(), PREFACE.length);
        boolean preface = true;
        for (int i = 0; i < seen && preface; i++) {
            preface = in.getByte(in.readerIndex() + i) == PREFACE[i];
        }
        if (preface && seen < PREFACE.length) {
            return;
        }
        (preface ? http2 : http1).accept(ctx.pipeline());
        ctx.pipeline().remove(this);
    }
}
