package dev.meridian.config;

import java.util.Locale;

/**
 * What happens when no region is available. Routing anyway is usually right: health signals can
 * be wrong (a probe path broken while traffic still works), and a request that may succeed beats a
 * certain 503. Rejecting suits clients that fail over on their own.
 */
public enum PanicMode {
    /** Send the request to the best configured region anyway (counted as a panic). */
    ROUTE,
    /** Answer 503 at once. */
    REJECT;

    /** The spelling used in the config file: {@code route}, {@code reject}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
