package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Pre-built response bytes shared by every connection of every gateway: direct memory, filled once,
 * never released, written with {@link ByteBuf#duplicate()} or {@link ByteBuf#slice(int, int)} so each
 * write has its own indices over the same bytes.
 *
 * <p>Why: the simulator must be cheaper than the router it is measured against, so the bytes that
 * are the same for every response are neither re-encoded nor copied per request. The buffers wrap a
 * JDK direct {@link ByteBuffer} (not allocator memory, so the leak detector has nothing to track)
 * behind {@link Unpooled#unreleasableBuffer(ByteBuf)}, which makes the transport's release after a
 * write a no-op.
 */
final class SharedBuffer {

    private SharedBuffer() {
    }

    /** A shared, unreleasable copy of {@code bytes}. */
    static ByteBuf of(byte[] bytes) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes);
        direct.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    }

    /** A shared, unreleasable copy of {@code text} in UTF-8. */
    static ByteBuf of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }
}
