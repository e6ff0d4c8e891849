package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;

/**
 * Consumes a request body as it arrives, without keeping it: counts its bytes against a limit and,
 * for {@code /echo}, feeds it through SHA-256.
 *
 * <p>Why not aggregate: the simulator only needs the size (to enforce the gateway's 1 MiB limit
 * with a 413) and, for echo, a digest; holding the bytes would make a 50 MB upload cost 50 MB.
 */
final class RequestBody {

    private final long limit;
    private final @Nullable MessageDigest sha256;
    private long bytes;

    private RequestBody(long limit, @Nullable MessageDigest sha256) {
        this.limit = limit;
        this.sha256 = sha256;
    }

    /** A body that may not exceed {@code limit} bytes. */
    static RequestBody limitedTo(long limit) {
        return new RequestBody(limit, null);
    }

    /** A body of any size, digested with SHA-256. */
    static RequestBody digested() {
        try {
            return new RequestBody(Long.MAX_VALUE, MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must support SHA-256", e);
        }
    }

    /**
     * Consumes {@code content} (without releasing it).
     *
     * @return false when the body is now over its limit
     */
    boolean accept(ByteBuf content) {
        int readable = content.readableBytes();
        bytes += readable;
        if (sha256 != null && readable > 0) {
            for (ByteBuffer nio : content.nioBuffers()) {
                sha256.update(nio);
            }
        }
        return bytes <= limit;
    }

    long bytes() {
        return bytes;
    }

    long limit() {
        return limit;
    }

    /** The lower-case hex SHA-256 of the body so far (empty when not digested); ends the digest. */
    String sha256Hex() {
        return sha256 == null ? "" : ByteBufUtil.hexDump(sha256.digest());
    }
}
