package dev.meridian.config;

import java.time.Duration;
import static java.util.Objects.requireNonNull;

/**
 * The four timeouts of one proxied request. They are separate because they fail differently: a
 * connect timeout means a dead endpoint (retry elsewhere), a first-byte timeout a slow model, an
 * idle timeout a stalled stream, and the total a budget the client will not wait beyond.
 *
 * @param connect TCP connect to an endpoint (positive)
 * @param firstByte from request sent to first response byte (positive)
 * @param idle longest gap between response chunks (positive)
 * @param total the whole exchange, retries and streaming included (positive)
 */
public record TimeoutConfig(Duration connect, Duration firstByte, Duration idle, Duration total) {

    public TimeoutConfig {
        checkPositive(connect, "connect");
        checkPositive(firstByte, "firstByte");
        checkPositive(idle, "idle");
        checkPositive(total, "total");
    }

    /** Every value from {@link ConfigDefaults}. */
    public static TimeoutConfig ofDefaults() {
        return new TimeoutConfig(
                ConfigDefaults.CONNECT_TIMEOUT,
                ConfigDefaults.FIRST_BYTE_TIMEOUT,
                ConfigDefaults.IDLE_TIMEOUT,
                ConfigDefaults.TOTAL_TIMEOUT);
    }

    static void checkPositive(Duration value, String name) {
        requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
