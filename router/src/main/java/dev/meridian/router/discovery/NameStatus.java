package dev.meridian.router.discovery;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one endpoint host name: the addresses its regions use now and why.
 *
 * @param host the name, lowercase, as configured
 * @param state {@code pending} before the first answer, {@code resolved}, {@code empty} (NXDOMAIN
 *     or no records: no replicas once the last answer's TTL has run out), {@code failing} (no
 *     answer from the servers: the last good addresses are kept)
 * @param addresses the addresses in use, sorted; empty while pending or empty
 * @param resolvedAt when the addresses in use were last answered, or {@code null} before any answer
 * @param ttlSeconds the TTL of that answer
 * @param problem why the last resolution did not answer with addresses, or {@code null} after an answer
 * @param failures resolutions that failed in a row
 * @param regions the regions with an endpoint of this name, sorted
 */
public record NameStatus(
        String host,
        State state,
        List<InetAddress> addresses,
        @Nullable Instant resolvedAt,
        long ttlSeconds,
        @Nullable String problem,
        long failures,
        List<String> regions) {

    /** Where a name stands. */
    public enum State {
        PENDING, RESOLVED, EMPTY, FAILING;

        /** Lowercase, as the admin API shows it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public NameStatus {
        addresses = List.copyOf(addresses);
        regions = List.copyOf(regions);
    }
}
