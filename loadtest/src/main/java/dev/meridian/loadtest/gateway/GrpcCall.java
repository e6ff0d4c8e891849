package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * The server side of one gRPC call, behind {@link GrpcStreamHandler}, which owns the HTTP/2 stream,
 * the message framing, flow control and the fault injection; a call only sees whole request
 * messages and answers through a {@link Responder}. Runs on the stream's event loop.
 */
interface GrpcCall {

    /**
     * One request message: its protobuf bytes, without the 5-byte gRPC prefix. The buffer is only
     * valid during the call (the caller releases it).
     *
     * @throws IllegalArgumentException when the message does not parse (the call ends with INTERNAL)
     */
    void onMessage(ByteBuf message, Responder responder);

    /** The client half-closed: no more request messages. The call must end with {@link Responder#finish}. */
    void onHalfClose(Responder responder);

    /** How a call answers. */
    interface Responder {

        /** Sends one response message of {@code size} protobuf bytes, written by {@code payload}. */
        void send(int size, Consumer<ByteBuf> payload);

        /** Ends the call with {@code status} (trailers; a trailers-only response when nothing was sent). */
        void finish(GrpcStatus status, String message);
    }
}
