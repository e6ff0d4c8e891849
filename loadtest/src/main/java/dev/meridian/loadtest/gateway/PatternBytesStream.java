package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code GET /bytes/{n}}: exactly {@code n} bytes of a deterministic pattern (byte {@code i} is
 * {@code (byte) (i * 31 + 7)}), with {@code Content-Length}, in 16 KiB chunks paced by the socket.
 *
 * <p>Backpressure: chunks are written only while the channel is writable, so at most the write
 * buffer's high-water mark plus one chunk is ever queued, however large {@code n} is; the stream
 * continues when the channel becomes writable again ({@link #resume()}). The pattern repeats every
 * 256 bytes, so every chunk is a zero-copy slice of one {@link SharedBuffer}.
 */
final class PatternBytesStream implements ResponseStream {

    static final int CHUNK_SIZE = 16 * 1024;
    static final long MAX_LENGTH = 1L << 30;

    private static final int PERIOD = 256;
    private static final ByteBuf PATTERN = SharedBuffer.of(pattern(CHUNK_SIZE + PERIOD));

    private final ChannelHandlerContext ctx;
    private final long length;
    private final int resetAfter;
    private long sent;
    private int chunksSent;
    private boolean pumping;
    private boolean finished;

    /**
     * @param resetAfter reset the connection after this many chunks; negative for never
     */
    PatternBytesStream(ChannelHandlerContext ctx, long length, int resetAfter) {
        this.ctx = ctx;
        this.length = length;
        this.resetAfter = resetAfter;
    }

    /** Byte {@code i} of every {@code /bytes} response. */
    static byte patternByte(long i) {
        return (byte) (i * 31 + 7);
    }

    @Override
    public void start() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
                .set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (length == 0) {
            finished = true;
            ctx.write(head, ctx.voidPromise());
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (!ResponseStream.writeHead(ctx, head, resetAfter)) {
            finished = true;
        }
        pump(); // returns at once when finished
    }

    @Override
    public void resume() {
        pump();
    }

    @Override
    public void cancel() {
        finished = true;
    }

    /**
     * Writes while writable, flushing as it goes. Flushing may make the channel writable again (and
     * fire the writability event into {@link #resume()} re-entrantly, which the guard ignores), so
     * the loop re-checks after each flush.
     */
    private void pump() {
        if (pumping || finished) {
            return;
        }
        pumping = true;
        try {
            Channel channel = ctx.channel();
            do {
                while (!finished && channel.isWritable()) {
                    writeChunk();
                }
                ctx.flush();
            } while (!finished && channel.isWritable());
        } finally {
            pumping = false;
        }
    }

    private void writeChunk() {
        int size = (int) Math.min(CHUNK_SIZE, length - sent);
        ByteBuf chunk = PATTERN.slice((int) (sent % PERIOD), size);
        sent += size;
        chunksSent++;
        if (sent == length) {
            finished = true;
            ctx.write(new DefaultLastHttpContent(chunk));
        } else if (chunksSent == resetAfter) {
            finished = true;
            ctx.write(new DefaultHttpContent(chunk)).addListener(written -> ServerInitiatedClose.reset(ctx.channel()));
        } else {
            ctx.write(new DefaultHttpContent(chunk), ctx.voidPromise());
        }
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = patternByte(i);
        }
        return bytes;
    }
}
