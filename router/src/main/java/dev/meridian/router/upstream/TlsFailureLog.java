package dev.meridian.router.upstream;

import dev.meridian.health.UpstreamTls;
import dev.meridian.regions.Endpoint;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failed TLS handshakes with upstream endpoints once per endpoint and problem, not once per
 * connection attempt: a region with an expired certificate would otherwise log on every request
 * that tries it. A later successful handshake is logged too, and re-arms the warning.
 *
 * <p>Touched only when a connection opens, from any event loop.
 */
final class TlsFailureLog {

    private static final Logger log = LoggerFactory.getLogger(TlsFailureLog.class);

    /** The problem last logged per endpoint ({@code region/host:port}). */
    private final Map<String, String> logged = new ConcurrentHashMap<>();

    void failed(Endpoint endpoint, Throwable cause) {
        failed(endpoint, UpstreamTls.describeHandshakeFailure(cause));
    }

    void failed(Endpoint endpoint, String problem) {
        String previous = logged.put(endpoint.toString(), problem);
        if (!problem.equals(previous)) {
            log.warn("TLS handshake with region {} endpoint {} failed: {}; its requests go to other endpoints "
                    + "(logged once until it changes)", endpoint.region(), endpoint.label(), problem);
        } else {
            log.debug("TLS handshake with region {} endpoint {} failed again: {}", endpoint.region(), endpoint.label(),
                    problem);
        }
    }

    void succeeded(Endpoint endpoint) {
        if (!logged.isEmpty() && logged.remove(endpoint.toString()) != null) {
            log.info("TLS handshake with region {} endpoint {} succeeded again", endpoint.region(), endpoint.label());
        }
    }

    /** Forgets endpoints that are no longer configured. */
    void retain(Set<String> endpoints) {
        logged.keySet().retainAll(endpoints);
    }
}
