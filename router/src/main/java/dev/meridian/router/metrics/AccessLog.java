package dev.meridian.router.metrics;

import dev.meridian.config.AccessLogConfig;
import dev.meridian.router.json.JsonLineWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per request, written by one background thread.
 *
 * <p>An event loop only builds an {@link Entry} (a small immutable record of values it already
 * holds) and offers it to a bounded lock-free queue: no formatting, no {@code String}, no lock and,
 * in the common case, no system call. The writer thread wakes on its own every 50 ms, or sooner
 * when a quarter of the queue is taken, formats what waits into one reused buffer
 * ({@link AccessLogFormat}, which allocates nothing per line) and writes whole lines in batches of
 * up to 32 KiB (one {@code write} each, so that on standard output they never interleave with the
 * service log mid-line); a slow disk or terminal never holds up a request. When
 * {@code buffer-lines} entries wait, new ones are dropped and counted in
 * {@code meridian_access_log_dropped_total} (the bound is checked without a lock, so event loops
 * racing for the last places may pass it by one each). A log file that is moved or deleted (log
 * rotation by renaming) is noticed within a second and a new one is opened at the configured path.
 *
 * <pre>{"time":"2026-11-23T15:04:05.123Z","request_id":"4bf92f…","trace_id":"0af765…","client":"203.0.113.9",
 * "method":"POST","path":"/v2/code/completions","route":"completions","region":"us-east4",
 * "endpoint":"10.1.0.5:5052","status":200,"bytes":1834,"ttfb_ms":41.2,"duration_ms":43.9,"attempts":1,"reason":"geo"}</pre>
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    /**
     * How long the writer sleeps when nothing wakes it earlier: how late a line may reach the file.
     * Waking by the clock rather than for each line spares the event loops a system call (an
     * unpark) and the machine a context switch per request.
     */
    private static final long WAKE_MILLIS = 50;
    private static final int BATCH_BYTES = 32 * 1024;
    private static final long ROTATION_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One request, as the data path saw it. Formatted on the writer thread. */
    public record Entry(
            long epochMillis,
            String requestId,
            @Nullable String traceId,
            InetAddress client,
            String method,
            String uri,
            @Nullable String route,
            @Nullable String region,
            @Nullable String endpoint,
            int status,
            long bytes,
            long ttfbNanos,
            long totalNanos,
            int attempts,
            @Nullable String reason) {}

    /** Writes nothing. */
    public static final AccessLog OFF = new AccessLog();

    private final boolean enabled;
    private final @Nullable Path file;
    private final int capacity;
    /** Queue length at which a producer wakes the sleeping writer early. */
    private final int wakeAt;
    private final Queue<Entry> queue;
    private final @Nullable Counter dropped;
    private final @Nullable Thread writerThread;
    private volatile boolean sleeping;
    private volatile boolean closed;

    private @Nullable OutputStream out;
    private @Nullable Object fileKey;
    private long nextRotationCheck;

    private AccessLog() {
        this.enabled = false;
        this.file = null;
        this.capacity = 0;
        this.wakeAt = 0;
        this.queue = new ArrayDeque<>(0);
        this.dropped = null;
        this.writerThread = null;
    }

    private AccessLog(AccessLogConfig config, MeterRegistry registry) throws IOException {
        this.enabled = true;
        this.file = config.file();
        this.capacity = config.bufferLines();
        this.wakeAt = Math.max(1, capacity / 4);
        // Netty's bounded multi-producer queue (its event loops' task queue): an array, so no node
        // per entry, and producers and the consumer do not share a counter's cache line.
        this.queue = PlatformDependent.newFixedMpscQueue(capacity);
        this.dropped = RouterMeters.ACCESS_LOG_DROPPED.counter().register(registry);
        open();
        Thread thread = new Thread(this::run, "meridian-access-log");
        thread.setDaemon(true);
        this.writerThread = thread;
        thread.start();
    }

    /**
     * Starts the log {@code config} asks for ({@link #OFF} when disabled).
     *
     * @throws IOException when the log file cannot be opened for appending
     */
    public static AccessLog start(AccessLogConfig config, MeterRegistry registry) throws IOException {
        return config.enabled() ? new AccessLog(config, registry) : OFF;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Queues {@code entry} for the writer; never blocks. Dropped (and counted) when the writer is behind. */
    public void log(Entry entry) {
        if (!enabled || closed) {
            return;
        }
        if (queue.size() >= capacity || !queue.offer(entry)) {
            Objects.requireNonNull(dropped).increment();
            return;
        }
        if (sleeping && queue.size() >= wakeAt) {
            LockSupport.unpark(writerThread);
        }
    }

    /** Writes what is queued, then stops the writer and closes the file. Idempotent. */
    @Override
    public void close() {
        if (!enabled || closed) {
            return;
        }
        closed = true;
        Thread thread = Objects.requireNonNull(writerThread);
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        JsonLineWriter batch = new JsonLineWriter();
        AccessLogFormat format = new AccessLogFormat();
        while (true) {
            Entry entry = queue.poll();
            if (entry != null) {
                format.append(entry, batch);
                if (batch.size() >= BATCH_BYTES) {
                    write(batch);
                }
                continue;
            }
            write(batch);
            if (closed && queue.isEmpty()) {
                // Closing: what was queued while the last batch was written is written first.
                break;
            }
            sleeping = true;
            if (queue.size() < wakeAt && !closed) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(WAKE_MILLIS));
            }
            sleeping = false;
            reopenWhenRotated();
        }
        closeWriter();
    }

    /** Writes the whole lines in {@code batch} at once and empties it. */
    private void write(JsonLineWriter batch) {
        if (batch.size() == 0) {
            return;
        }
        OutputStream o = out;
        try {
            if (o != null) {
                batch.writeTo(o);
                o.flush();
            }
        } catch (IOException e) {
            log.warn("access log: cannot write to {}: {}", describe(), e.toString());
            reopen();
        } finally {
            batch.reset();
        }
    }

    private void open() throws IOException {
        if (file == null) {
            // System.out, not the raw descriptor: whoever replaced it (a test runner) gets the lines.
            out = System.out;
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        fileKey = fileKey(file);
        nextRotationCheck = System.nanoTime() + ROTATION_CHECK_NANOS;
    }

    /** Opens the configured path again when the open file was moved or deleted. */
    private void reopenWhenRotated() {
        if (file == null || System.nanoTime() < nextRotationCheck) {
            return;
        }
        nextRotationCheck = System.nanoTime() + ROTATION_CHECK_NANOS;
        Object current;
        try {
            current = fileKey(file);
        } catch (NoSuchFileException e) {
            current = null;
        } catch (IOException e) {
            return;
        }
        if (current == null || !current.equals(fileKey)) {
            log.info("access log: {} was moved or deleted; opening it again", file);
            reopen();
        }
    }

    private void reopen() {
        closeWriter();
        try {
            open();
        } catch (IOException e) {
            log.warn("access log: cannot open {}: {}; lines are lost until it can be", describe(), e.toString());
            out = null;
            nextRotationCheck = System.nanoTime() + ROTATION_CHECK_NANOS;
        }
    }

    private void closeWriter() {
        OutputStream o = out;
        out = null;
        if (o == null) {
            return;
        }
        try {
            if (file == null) {
                o.flush(); // standard output stays open
            } else {
                o.close();
            }
        } catch (IOException e) {
            log.debug("access log: closing {}: {}", describe(), e.toString());
        }
    }

    private String describe() {
        return file == null ? "standard output" : file.toString();
    }

    private static @Nullable Object fileKey(Path path) throws IOException {
        Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        // Without file keys (some file systems), compare creation times instead.
        return key != null ? key : Files.readAttributes(path, BasicFileAttributes.class).creationTime();
    }
}
