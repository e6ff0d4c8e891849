package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A response written piece by piece on the connection's event loop: an SSE or NDJSON stream paced by
 * a timer, or a large body paced by the socket's writability.
 *
 * <p>The endpoint handler owns at most one per connection and forwards it the two events that move
 * or stop it. All methods run on the connection's event loop.
 */
interface ResponseStream {

    /** Writes the headers and as much of the body as the stream's pacing allows. */
    void start();

    /** The channel became writable again: continue if the stream was waiting for it. */
    void resume();

    /** The connection closed: stop timers and write nothing more. */
    void cancel();

    /**
     * Writes a stream's response {@code head}, unflushed. A stream told to reset the connection after
     * {@code resetAfter == 0} pieces flushes the head alone and resets: then this returns {@code false},
     * and nothing more is to be written.
     */
    static boolean writeHead(ChannelHandlerContext ctx, HttpResponse head, int resetAfter) {
        if (resetAfter == 0) {
            ctx.writeAndFlush(head).addListener(written -> ServerInitiatedClose.reset(ctx.channel()));
            return false;
        }
        ctx.write(head, ctx.voidPromise());
        return true;
    }
}
