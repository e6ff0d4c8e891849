package dev.meridian.regions;

import com.github.benmanes.caffeine.cache.Cache;
import com.maxmind.db.ClosedDatabaseException;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import dev.meridian.config.GeoConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import static java.util.Objects.requireNonNull;

/**
 * Client locations from a MaxMind GeoIP2/GeoLite2 City database, with a bounded Caffeine cache of
 * answers in front of it and hot reload when the file is replaced.
 *
 * <p>The reader is memory-mapped and shared by every event loop; lookups take no lock. A single
 * daemon thread, {@value #RELOAD_THREAD}, checks the file's size, modification time and file key
 * every {@code geo.reload-interval}. When they change it opens the new file off the data path,
 * checks that it is a City database that answers lookups, and swaps it in (reader and address cache
 * together, through an {@link AtomicReference}); the old reader is closed only after a grace delay,
 * so lookups in flight on it finish. A file that fails the checks is refused with one WARN line and
 * the old database keeps answering. Replace the file atomically (write elsewhere, then rename), as
 * {@code geoipupdate} does: a memory-mapped file rewritten in place can be read half-written.
 *
 * <pre>{@code
 * try (GeoLocator geo = GeoIpLocator.fromConfig(config.geo())) {
 *     ClientLocation where = geo.locate(InetAddress.getByName("81.2.69.142")); // GB, London
 * }
 * }</pre>
 */
public final class GeoIpLocator implements GeoLocator {

    /** Name of the thread that watches the file and opens new versions of it. */
    public static final String RELOAD_THREAD = "meridian-geoip-reload";

    /** How long a replaced reader stays open for lookups that started on it; a lookup takes microseconds. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(GeoIpLocator.class);

    private final Path file;
    private final GeoConfig config;
    private final AtomicReference<GeoDatabase> current;
    private final ScheduledExecutorService reloader;
    /** Replaced databases waiting for their grace delay; at most a few (one per reload within the grace). */
    private final Queue<GeoDatabase> retired = new ConcurrentLinkedQueue<>();
    private final Duration closeGrace;

    private final LongAdder lookups = new LongAdder();
    private final LongAdder addressCacheHits = new LongAdder();
    private final LongAdder addressCacheMisses = new LongAdder();
    private final LongAdder nodeCacheHits;
    private final LongAdder nodeCacheMisses;
    private final LongAdder failedLookups = new LongAdder();
    private final LongAdder reloads = new LongAdder();
    private final LongAdder failedReloads = new LongAdder();

    private volatile boolean closed;

    // Touched only by the reload thread.
    private GeoDatabase.@Nullable FileStamp refusedStamp;
    private boolean missingReported;

    private GeoIpLocator(GeoConfig config, GeoDatabase database, LongAdder nodeCacheHits, LongAdder nodeCacheMisses,
            Duration closeGrace) {
        this.config = config;
        this.file = database.file;
        this.current = new AtomicReference<>(database);
        this.nodeCacheHits = nodeCacheHits;
        this.nodeCacheMisses = nodeCacheMisses;
        this.closeGrace = closeGrace;
        this.reloader = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, RELOAD_THREAD);
            thread.setDaemon(true);
            return thread;
        });
        long interval = config.reloadInterval().toNanos();
        reloader.scheduleWithFixedDelay(this::checkForChange, interval, interval, TimeUnit.NANOSECONDS);
    }

    /**
     * Opens {@code config.database()} and starts watching it for changes. Blocking (it opens and
     * checks the file): call it at start-up, never on an event loop.
     *
     * @throws GeoDatabaseException when the file is missing, unreadable, not a MaxMind DB file or not
     *     a City database; the message names the file and the reason
     * @throws IllegalArgumentException when {@code config} has no database
     */
    public static GeoIpLocator open(GeoConfig config) {
        return open(config, CLOSE_GRACE);
    }

    /** {@link #open(GeoConfig)} with another grace delay; tests use zero to close replaced readers at once. */
    static GeoIpLocator open(GeoConfig config, Duration closeGrace) {
        requireNonNull(config, "config");
        Path file = config.database();
        if (file == null) {
            throw new IllegalArgumentException("database: null (expected: a GeoIP City .mmdb file)");
        }
        LongAdder nodeHits = new LongAdder();
        LongAdder nodeMisses = new LongAdder();
        GeoDatabase database = GeoDatabase.open(file, config.cacheSize(), config.nodeCacheSize(), nodeHits, nodeMisses);
        log.info("GeoIP database {} loaded", database);
        return new GeoIpLocator(config, database, nodeHits, nodeMisses, closeGrace);
    }

    /**
     * The locator the configuration asks for: {@link GeoLocator#NONE} without a database; otherwise
     * the opened database. When it cannot be opened, this throws if {@code config.required()}, and
     * otherwise logs one WARN line naming the file and the reason and returns {@link GeoLocator#NONE}
     * (clients are then ranked by measured latency).
     *
     * @throws GeoDatabaseException when the database cannot be opened and is required
     */
    public static GeoLocator fromConfig(GeoConfig config) {
        requireNonNull(config, "config");
        if (config.database() == null) {
            return GeoLocator.NONE;
        }
        try {
            return open(config);
        } catch (GeoDatabaseException e) {
            if (config.required()) {
                throw e;
            }
            log.warn("{}; running without GeoIP locations (geo.required is false)", e.getMessage());
            return GeoLocator.NONE;
        }
    }

    @Override
    public @Nullable ClientLocation locate(InetAddress address) {
        requireNonNull(address, "address");
        if (closed) {
            return null;
        }
        lookups.increment();
        GeoDatabase database = current.get();
        Cache<InetAddress, Optional<ClientLocation>> cache = database.addresses;
        if (cache != null) {
            Optional<ClientLocation> cached = cache.getIfPresent(address);
            if (cached != null) {
                addressCacheHits.increment();
                return cached.orElse(null);
            }
        }
        addressCacheMisses.increment();
        Optional<ClientLocation> found = find(database, address);
        if (found == null) {
            return null;
        }
        if (cache != null) {
            cache.put(address, found); // getIfPresent + put, never a loading get: no lock held while reading the file
        }
        return found.orElse(null);
    }

    /** The database's answer, or {@code null} when the lookup failed (counted; not cached). */
    private @Nullable Optional<ClientLocation> find(GeoDatabase database, InetAddress address) {
        try {
            return database.find(address);
        } catch (ClosedDatabaseException e) {
            // The lookup started on a reader that was replaced and closed since: ask the new one.
            GeoDatabase now = current.get();
            if (now != database && !closed) {
                return find(now, address);
            }
            failedLookups.increment();
            return null;
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            // A corrupt record, or an IPv6 address asked of an IPv4-only database: unknown, and counted.
            failedLookups.increment();
            return null;
        }
    }

    @Override
    public GeoCacheStats stats() {
        return new GeoCacheStats(
                lookups.sum(),
                addressCacheHits.sum(),
                addressCacheMisses.sum(),
                nodeCacheHits.sum(),
                nodeCacheMisses.sum(),
                failedLookups.sum(),
                reloads.sum(),
                failedReloads.sum(),
                current.get().buildEpoch);
    }

    /** The database file being watched. */
    public Path database() {
        return file;
    }

    /**
     * Stops the reload thread and closes the reader. Waits up to a few seconds for a reload in
     * progress to finish; call it at shutdown, not on an event loop.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reloader.shutdownNow();
        try {
            if (!reloader.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("GeoIP database {}: the reload thread did not stop within 5s", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current.get().close();
        for (GeoDatabase old; (old = retired.poll()) != null; ) {
            old.close();
        }
    }

    @Override
    public String toString() {
        return "GeoIpLocator[" + current.get() + "]";
    }

    /** Runs on the reload thread; never throws, or the schedule would stop silently. */
    private void checkForChange() {
        try {
            reloadIfChanged();
        } catch (RuntimeException e) {
            log.warn("GeoIP database {}: checking for a new version failed", file, e);
        }
    }

    private void reloadIfChanged() {
        if (closed) {
            return;
        }
        GeoDatabase database = current.get();
        GeoDatabase.FileStamp stamp = GeoDatabase.FileStamp.read(file);
        if (stamp == null) {
            if (!missingReported) {
                missingReported = true;
                log.warn("GeoIP database {}: the file is gone; still answering from {}", file, database);
            }
            return;
        }
        missingReported = false;
        if (stamp.equals(database.stamp) || stamp.equals(refusedStamp)) {
            return;
        }
        GeoDatabase fresh;
        try {
            fresh = GeoDatabase.open(file, config.cacheSize(), config.nodeCacheSize(), nodeCacheHits, nodeCacheMisses);
        } catch (GeoDatabaseException e) {
            if (closed) {
                return; // interrupted by close()
            }
            refusedStamp = stamp; // one line per refused version, not one per check
            failedReloads.increment();
            log.warn("{}; refused the new version, still answering from the database built {}", e.getMessage(),
                    Instant.ofEpochSecond(database.buildEpoch));
            return;
        }
        refusedStamp = null;
        GeoDatabase old = current.getAndSet(fresh);
        reloads.increment();
        log.info("GeoIP database {} reloaded", fresh);
        retired.add(old);
        reloader.schedule(() -> {
            if (retired.remove(old)) {
                old.close();
            }
        }, closeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
}
