package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An SSE or NDJSON response ({@link EventFormat}) paced by the event loop's timer: the headers and
 * the first event at once, then one event per interval, each flushed as its own HTTP/1.1 chunk
 * (RFC 9112 §7.1) so a client sees tokens as they are "generated".
 *
 * <p>After the first event the stream parks while {@link StreamHold} is held (tests use this to
 * observe a half-finished stream), and waits for writability before each event so a client that
 * stops reading cannot make the server queue without bound. Under {@link Fault.ResetMidStream} it
 * resets the connection once that many events have been written.
 */
final class EventStream implements ResponseStream {

    private final ChannelHandlerContext ctx;
    private final GatewayState state;
    private final EventFormat format;
    private final int chunks;
    private final int events;
    private final long intervalNanos;
    private final int resetAfter;
    private int next;
    private boolean waitingForWritability;
    private boolean finished;
    private @Nullable ScheduledFuture<?> timer;

    /**
     * @param resetAfter reset the connection after this many events; negative for never
     */
    EventStream(ChannelHandlerContext ctx, GatewayState state, EventFormat format, int chunks, long intervalNanos,
            int resetAfter) {
        this.ctx = ctx;
        this.state = state;
        this.format = format;
        this.chunks = chunks;
        this.events = format.events(chunks);
        this.intervalNanos = intervalNanos;
        this.resetAfter = resetAfter;
    }

    @Override
    public void start() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, format.contentType())
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (!ResponseStream.writeHead(ctx, head, resetAfter)) {
            finished = true;
        }
        writeNext(); // returns at once when finished
    }

    @Override
    public void resume() {
        if (waitingForWritability && ctx.channel().isWritable()) {
            waitingForWritability = false;
            writeNext();
        }
    }

    @Override
    public void cancel() {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void writeNext() {
        timer = null;
        if (finished) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            waitingForWritability = true;
            ctx.flush();
            return;
        }
        int index = next++;
        boolean last = index == events - 1;
        HttpContent event = last
                ? new DefaultLastHttpContent(format.event(ctx.alloc(), index, chunks, state.clock()))
                : new DefaultHttpContent(format.event(ctx.alloc(), index, chunks, state.clock()));
        ChannelFuture written = ctx.writeAndFlush(event);
        if (last) {
            finished = true;
        } else if (index + 1 == resetAfter) {
            finished = true;
            written.addListener(done -> ServerInitiatedClose.reset(ctx.channel()));
        } else if (index == 0 && state.hold().isHeld()) {
            state.hold().whenOpen(ctx.channel().eventLoop(), this::scheduleNext);
        } else {
            scheduleNext();
        }
    }

    private void scheduleNext() {
        if (!finished) {
            timer = ctx.executor().schedule(this::writeNext, intervalNanos, TimeUnit.NANOSECONDS);
        }
    }
}
