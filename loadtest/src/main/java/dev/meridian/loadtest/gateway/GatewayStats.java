package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of what one simulated gateway has seen, so tests can prove what the router did to
 * its upstreams: how many connections it opened (keep-alive), which endpoints it called, whether it
 * cancelled exchanges it no longer needed.
 *
 * @param connectionsAccepted TCP connections accepted on the data port
 * @param openConnections data connections open right now (not reset by {@code resetStats})
 * @param requests HTTP requests started (counted when their headers arrive)
 * @param requestsByPath requests per endpoint path; {@code /bytes/{n}} counts under {@code /bytes},
 *     unknown paths under {@code other}; every known path is present, possibly with 0
 * @param responsesCompleted responses whose last byte was handed to the socket
 * @param cancelled exchanges whose connection the client closed before the response was complete
 *     (connections the gateway closed itself, by {@code down()} or a reset fault, do not count)
 * @param bytesReceived request body bytes received (after de-chunking; headers not included)
 */
public record GatewayStats(
        long connectionsAccepted,
        int openConnections,
        long requests,
        Map<String, Long> requestsByPath,
        long responsesCompleted,
        long cancelled,
        long bytesReceived) {

    /** The {@link #requestsByPath()} key for requests to unknown paths. */
    public static final String OTHER_PATH = "other";

    /** Copies the map, keeping its order. */
    public GatewayStats {
        requireNonNull(requestsByPath, "requestsByPath");
        requestsByPath = Collections.unmodifiableMap(new LinkedHashMap<>(requestsByPath));
    }

    /** Requests to {@code path} (a key of {@link #requestsByPath()}), 0 when none. */
    public long requestsTo(String path) {
        return requestsByPath.getOrDefault(path, 0L);
    }
}
