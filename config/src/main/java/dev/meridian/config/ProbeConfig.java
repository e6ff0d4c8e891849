package dev.meridian.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * Active health probes: every endpoint is asked {@code GET path} on a schedule, independently of
 * traffic, so that a dead replica is noticed before a client's request finds it, and a recovered
 * one is noticed although no traffic goes there. Thresholds on consecutive results keep a single
 * lost probe from flapping an endpoint; jitter keeps a fleet of routers from probing in lockstep.
 *
 * <pre>{@code
 * ProbeConfig probe = new ProbeConfig(true, "/monitoring/healthz", Duration.ofSeconds(5), 0.2, Duration.ofSeconds(1), 2, 2);
 * }</pre>
 *
 * @param enabled whether probes run; without them every endpoint counts as up unless ejected
 * @param path the request target probed, an absolute path (a query is allowed), e.g. {@code /monitoring/healthz}
 * @param interval time between the end of one probe of an endpoint and the start of the next (positive)
 * @param jitter each wait is {@code interval ± jitter × interval}, drawn uniformly, 0..0.5
 * @param timeout a probe without a complete response after this fails (positive)
 * @param unhealthyThreshold consecutive failed probes that mark an up endpoint down, 1..100
 * @param healthyThreshold consecutive good probes that mark a down endpoint up, 1..100
 */
public record ProbeConfig(
        boolean enabled,
        String path,
        Duration interval,
        double jitter,
        Duration timeout,
        int unhealthyThreshold,
        int healthyThreshold) {

    /** Largest jitter: beyond half the interval, two probes could follow each other almost at once. */
    public static final double MAX_JITTER = 0.5;
    /** Largest threshold; far above any sensible value, it catches typos. */
    public static final int MAX_THRESHOLD = 100;

    public ProbeConfig {
        requireNonNull(path, "path");
        String problem = pathProblem(path);
        if (problem != null) {
            throw new IllegalArgumentException("path: '" + path + "' " + problem);
        }
        TimeoutConfig.checkPositive(interval, "interval");
        if (!(jitter >= 0 && jitter <= MAX_JITTER)) { // also refuses NaN
            throw new IllegalArgumentException("jitter: " + jitter + " (expected: 0..0.5)");
        }
        TimeoutConfig.checkPositive(timeout, "timeout");
        checkThreshold(unhealthyThreshold, "unhealthyThreshold");
        checkThreshold(healthyThreshold, "healthyThreshold");
    }

    /** Every value from {@link ConfigDefaults}. */
    public static ProbeConfig ofDefaults() {
        return new ProbeConfig(
                ConfigDefaults.PROBE_ENABLED,
                ConfigDefaults.PROBE_PATH,
                ConfigDefaults.PROBE_INTERVAL,
                ConfigDefaults.PROBE_JITTER,
                ConfigDefaults.PROBE_TIMEOUT,
                ConfigDefaults.PROBE_UNHEALTHY_THRESHOLD,
                ConfigDefaults.PROBE_HEALTHY_THRESHOLD);
    }

    /**
     * Why {@code path} cannot be probed, as a phrase following the quoted path; {@code null} when it
     * can: it must be an absolute path, and may carry a query but no fragment, whitespace or
     * control characters (it is written into the request line as given).
     */
    public static @Nullable String pathProblem(String path) {
        if (!path.startsWith("/")) {
            return "does not start with '/' (expected e.g. /monitoring/healthz)";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '#' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "contains " + (c == '#' ? "'#'" : "whitespace")
                        + " (expected a path without fragment or spaces, e.g. /monitoring/healthz)";
            }
        }
        return null;
    }

    public ProbeConfig withEnabled(boolean enabled) {
        return new ProbeConfig(enabled, path, interval, jitter, timeout, unhealthyThreshold, healthyThreshold);
    }

    private static void checkThreshold(int value, String name) {
        Range.check(name, value, 1, MAX_THRESHOLD);
    }
}
