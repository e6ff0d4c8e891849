package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The few pieces of the protocol buffers wire format the gateway's gRPC messages need, written by
 * hand so the main code depends on no protobuf runtime: varints, length-delimited strings and
 * skipping unknown fields (https://protobuf.dev/programming-guides/encoding/).
 *
 * <p>Decoders read a whole message from a buffer holding exactly that message, and throw
 * {@link IllegalArgumentException} on malformed input (the caller answers gRPC {@code INTERNAL}).
 */
final class ProtoWire {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private ProtoWire() {
    }

    /** A field's tag: its number and wire type. */
    static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }

    static int varintSize(long value) {
        int size = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }

    static void writeVarint(ByteBuf out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /** Reads a varint of at most 10 bytes. */
    static long readVarint(ByteBuf in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!in.isReadable()) {
                throw new IllegalArgumentException("truncated varint");
            }
            byte b = in.readByte();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    /** The encoded size of a string field, 0 for the empty string (proto3 omits default values). */
    static int stringFieldSize(int field, String value) {
        if (value.isEmpty()) {
            return 0;
        }
        int bytes = ByteBufUtil.utf8Bytes(value);
        return varintSize(tag(field, LENGTH_DELIMITED)) + varintSize(bytes) + bytes;
    }

    static void writeStringField(ByteBuf out, int field, String value) {
        if (value.isEmpty()) {
            return;
        }
        writeVarint(out, tag(field, LENGTH_DELIMITED));
        writeVarint(out, ByteBufUtil.utf8Bytes(value));
        ByteBufUtil.writeUtf8(out, value);
    }

    /** The encoded size of a varint field (int64, enum), 0 for zero. */
    static int varintFieldSize(int field, long value) {
        return value == 0 ? 0 : varintSize(tag(field, VARINT)) + varintSize(value);
    }

    static void writeVarintField(ByteBuf out, int field, long value) {
        if (value != 0) {
            writeVarint(out, tag(field, VARINT));
            writeVarint(out, value);
        }
    }

    /** Reads the body of a length-delimited field as UTF-8. */
    static String readString(ByteBuf in) {
        int length = readLength(in);
        String value = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return value;
    }

    /** Skips the body of a field of {@code wireType} (groups, deprecated, are rejected). */
    static void skipField(ByteBuf in, int wireType) {
        switch (wireType) {
            case VARINT -> readVarint(in);
            case FIXED64 -> skip(in, 8);
            case LENGTH_DELIMITED -> in.skipBytes(readLength(in));
            case FIXED32 -> skip(in, 4);
            default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
        }
    }

    private static int readLength(ByteBuf in) {
        long length = readVarint(in);
        if (length < 0 || length > in.readableBytes()) {
            throw new IllegalArgumentException("length " + length + " beyond the message (" + in.readableBytes() + " bytes left)");
        }
        return (int) length;
    }

    private static void skip(ByteBuf in, int bytes) {
        if (in.readableBytes() < bytes) {
            throw new IllegalArgumentException("truncated fixed-width field");
        }
        in.skipBytes(bytes);
    }
}
