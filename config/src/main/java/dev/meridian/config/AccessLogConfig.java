package dev.meridian.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The access log: one JSON line per request, written by a background thread so that no event
 * loop ever waits on a disk or a terminal. When the writer falls behind by more than
 * {@code bufferLines} lines, further lines are dropped and counted
 * ({@code meridian_access_log_dropped_total}) rather than slowing the data path.
 *
 * @param enabled whether requests are logged
 * @param file where the lines go; {@code null} for standard output
 * @param bufferLines lines held for the writer at most, 1..1048576
 */
public record AccessLogConfig(boolean enabled, @Nullable Path file, int bufferLines) {

    /** Most lines held for the writer; at about 400 bytes a line, some 400 MiB. */
    public static final int MAX_BUFFER_LINES = 1 << 20;

    public AccessLogConfig {
        Range.check("bufferLines", bufferLines, 1, MAX_BUFFER_LINES);
    }

    /** Every value from {@link ConfigDefaults}: on, to standard output. */
    public static AccessLogConfig ofDefaults() {
        return new AccessLogConfig(ConfigDefaults.ACCESS_LOG_ENABLED, null, ConfigDefaults.ACCESS_LOG_BUFFER_LINES);
    }

    /** Logging off. */
    public static AccessLogConfig off() {
        return new AccessLogConfig(false, null, ConfigDefaults.ACCESS_LOG_BUFFER_LINES);
    }

    public AccessLogConfig withEnabled(boolean enabled) {
        return new AccessLogConfig(enabled, file, bufferLines);
    }

    /** {@code null} for standard output. */
    public AccessLogConfig withFile(@Nullable Path file) {
        return new AccessLogConfig(enabled, file, bufferLines);
    }
}
