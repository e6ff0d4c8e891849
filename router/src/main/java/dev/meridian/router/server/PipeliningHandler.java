package dev.meridian.router.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 pipelining and read control for one client connection: passes one request at a time to
 * the proxy stage behind it and holds what the client sent ahead (RFC 9112 §9.3.2), to be passed on
 * in order as each response is finished ({@link #requestFinished}).
 *
 * <p>The connection runs with auto-read off; the proxy stage asks for reads when it can take more,
 * and this stage lets a read through only while it holds nothing: what it holds is at most one
 * read's worth and at most {@code server.max-pipelined-requests} request heads. A client that
 * pipelines more gets the responses already owed, the last with {@code Connection: close}
 * ({@link #lastRequest()}), and the connection closes; what it sent beyond the limit is dropped.
 */
final class PipeliningHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(PipeliningHandler.class);

    /** Requests a client may send ahead of the one being answered (server.max-pipelined-requests). */
    private final int maxPipelinedRequests;
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private @Nullable ChannelHandlerContext ctx;
    /** The request heads among {@link #held}. */
    private int heldRequests;
    /** A request was passed on and its response is not finished. */
    private boolean inFlight;
    /** The client pipelined more than allowed: the owed responses go out, then the connection closes. */
    private boolean overflow;
    /** The connection ends after the current response: nothing more is passed on. */
    private boolean closed;
    /** Held messages are being passed on (a finish inside that pass only marks the request done). */
    private boolean passing;

    PipeliningHandler(int maxPipelinedRequests) {
        this.maxPipelinedRequests = maxPipelinedRequests;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || overflow) {
            // After a pipeline overflow, every owed request is complete before the rest of the read.
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean head = msg instanceof HttpRequest;
        if (held.isEmpty() && !(head && inFlight)) {
            // The next request, or a body part of the one in flight (or of one already answered,
            // which the proxy stage drops).
            inFlight |= head;
            ctx.fireChannelRead(msg);
            return;
        }
        if (head) {
            if (heldRequests >= maxPipelinedRequests) {
                ReferenceCountUtil.release(msg);
                overflow = true;
                log.debug("{} more than {} pipelined requests; closing after the responses owed",
                        ctx.channel(), maxPipelinedRequests);
                return;
            }
            heldRequests++;
        }
        held.addLast(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        // Nothing more is read while requests wait: the client cannot pipeline without bound.
        if (!closed && !overflow && held.isEmpty()) {
            ctx.read();
        }
    }

    /** Whether the request in flight is the connection's last: the client pipelined more than allowed. */
    boolean lastRequest() {
        return overflow && heldRequests == 0;
    }

    /**
     * The response to the request in flight is finished: with {@code keepAlive}, the next held
     * request (and its held body parts) goes on; otherwise everything held is dropped.
     */
    void requestFinished(boolean keepAlive) {
        inFlight = false;
        if (!keepAlive) {
            closed = true;
            release();
            return;
        }
        ChannelHandlerContext c = ctx;
        if (passing || c == null) {
            return;
        }
        passing = true;
        try {
            Object next;
            while (!closed && (next = held.peekFirst()) != null) {
                if (next instanceof HttpRequest) {
                    if (inFlight) {
                        break;
                    }
                    inFlight = true;
                    heldRequests--;
                }
                held.pollFirst();
                c.fireChannelRead(next);
            }
        } finally {
            passing = false;
        }
        if (overflow && !inFlight && held.isEmpty() && !closed) {
            // Every owed response is written; close once they are flushed.
            closed = true;
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void release() {
        Object msg;
        while ((msg = held.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
        heldRequests = 0;
    }
}
