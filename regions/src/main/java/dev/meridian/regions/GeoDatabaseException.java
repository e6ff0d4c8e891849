package dev.meridian.regions;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * A GeoIP database that cannot be used: missing, unreadable, not a MaxMind DB file, or not a City
 * database. Unchecked because it is a start-up configuration error that the caller reports and
 * exits on (or, with {@code geo.required: false}, logs and carries on without).
 *
 * <p>The message names the file and what is wrong, e.g.
 * {@code "GeoIP database /var/lib/GeoIP/GeoLite2-City.mmdb: the file does not exist"}.
 */
public final class GeoDatabaseException extends RuntimeException {

    private final Path file;
    private final String reason;

    public GeoDatabaseException(Path file, String reason) {
        this(file, reason, null);
    }

    public GeoDatabaseException(Path file, String reason, @Nullable Throwable cause) {
        super("GeoIP database " + requireNonNull(file, "file") + ": " + requireNonNull(reason, "reason"), cause);
        this.file = file;
        this.reason = reason;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name: {@code "the file does not exist"}. */
    public String reason() {
        return reason;
    }
}
