package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;

/**
 * {@code meridian.sim.v1.ChatMessage} (see {@code src/main/proto/meridian_sim.proto}): the message
 * both directions of {@code Chat/Converse} carry, encoded by hand with {@link ProtoWire}.
 *
 * <pre>
 * message ChatMessage { string text = 1; int64 seq = 2; string region = 3; }
 * </pre>
 */
record ChatMessage(String text, long seq, String region) {

    static final int TEXT = 1;
    static final int SEQ = 2;
    static final int REGION = 3;

    ChatMessage {
        requireNonNull(text, "text");
        requireNonNull(region, "region");
    }

    /** Parses a whole message; unknown fields are skipped, as protobuf requires. */
    static ChatMessage decode(ByteBuf in) {
        String text = "";
        long seq = 0;
        String region = "";
        while (in.isReadable()) {
            long tag = ProtoWire.readVarint(in);
            int field = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            if (field == TEXT && wireType == ProtoWire.LENGTH_DELIMITED) {
                text = ProtoWire.readString(in);
            } else if (field == SEQ && wireType == ProtoWire.VARINT) {
                seq = ProtoWire.readVarint(in);
            } else if (field == REGION && wireType == ProtoWire.LENGTH_DELIMITED) {
                region = ProtoWire.readString(in);
            } else {
                ProtoWire.skipField(in, wireType);
            }
        }
        return new ChatMessage(text, seq, region);
    }

    int encodedSize() {
        return ProtoWire.stringFieldSize(TEXT, text)
                + ProtoWire.varintFieldSize(SEQ, seq)
                + ProtoWire.stringFieldSize(REGION, region);
    }

    void encode(ByteBuf out) {
        ProtoWire.writeStringField(out, TEXT, text);
        ProtoWire.writeVarintField(out, SEQ, seq);
        ProtoWire.writeStringField(out, REGION, region);
    }
}
