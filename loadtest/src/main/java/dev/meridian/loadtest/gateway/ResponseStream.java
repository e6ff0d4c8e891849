package dev.meridian.loadtest.gateway;

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
}
