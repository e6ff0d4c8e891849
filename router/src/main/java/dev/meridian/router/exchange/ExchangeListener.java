package dev.meridian.router.exchange;

import dev.meridian.router.http.ErrorResponse;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Exchange} tells the connection it runs on: the whole contract between the two.
 * The exchange asks whether the connection drains and wants more of the request read; it ends
 * with exactly one of {@link #exchangeFinished} (it wrote its response) or {@link #sendError} (the
 * connection answers with Meridian's own error). {@link dev.meridian.router.server.ProxyHandler} implements it; a test can
 * drive an exchange with a fake.
 */
public interface ExchangeListener {

    /** Reads from the client when the exchange (or the wait for the next request) can take it. */
    void maybeRead();

    /** Whether the exchange is the connection's last: the router drains, or the pipeline overflowed. */
    boolean isDraining();

    /** The exchange ended after its last write; {@code keepAlive}: the connection serves the next request. */
    void exchangeFinished(boolean keepAlive);

    /**
     * The exchange ended before any response byte went out: answer with Meridian's own
     * {@code error}, then keep or close the connection.
     *
     * @param discardRestOfRequest whether the request's body is still arriving and must be read and
     *     dropped before the next request (only meaningful with {@code keepAlive})
     */
    void sendError(ErrorResponse error, @Nullable String detail, String requestId, boolean keepAlive,
            boolean discardRestOfRequest);
}
