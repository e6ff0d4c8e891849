package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;

/**
 * {@code meridian.sim.v1.Chat/Converse}: answers every {@link ChatMessage} as it arrives with the
 * same text and seq and {@code region} set to the gateway's name, and ends with OK when the client
 * half-closes. Per call.
 */
final class ConverseCall implements GrpcCall {

    /** The method's {@code :path}. */
    static final String PATH = "/meridian.sim.v1.Chat/Converse";

    private final String region;

    ConverseCall(String region) {
        this.region = region;
    }

    @Override
    public void onMessage(ByteBuf message, Responder responder) {
        ChatMessage received = ChatMessage.decode(message);
        ChatMessage reply = new ChatMessage(received.text(), received.seq(), region);
        responder.send(reply.encodedSize(), reply::encode);
    }

    @Override
    public void onHalfClose(Responder responder) {
        responder.finish(GrpcStatus.OK, "");
    }
}
