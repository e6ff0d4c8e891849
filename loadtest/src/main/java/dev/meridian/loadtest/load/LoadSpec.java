package dev.meridian.loadtest.load;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What a load run does: where, how hard, for how long and with which requests. Immutable; every
 * {@code with*} method returns a copy.
 *
 * <pre>{@code
 * LoadSpec spec = LoadSpec.openLoop(URI.create("http://127.0.0.1:8080"), 2000, Duration.ofSeconds(30))
 *         .withConnections(64)
 *         .withWarmup(Duration.ofSeconds(5))
 *         .withMix(RequestMix.fromFile(Path.of("mix.yaml")))
 *         .withTimeout(Duration.ofSeconds(10))
 *         .withProgress(System.err);
 * LoadResult result = LoadGenerator.run(spec);
 * }</pre>
 *
 * <p>Defaults (all here, nowhere else): {@value #DEFAULT_CONNECTIONS} connections in an open loop,
 * no warm-up, a {@code 10s} timeout per request, {@code GET /}, seed {@value #DEFAULT_SEED}, event
 * loops chosen from the connection count and the cores ({@link #eventLoops()} 0), no progress line
 * and no listener; an {@code https} target is verified against the JVM's trust store unless
 * {@link #withTls} says otherwise.
 *
 * @param mode        open loop (fixed arrival rate) or closed loop (next request when the last ends)
 * @param target      {@code http://HOST:PORT}, or {@code https://HOST:PORT} with {@code tls}; the request paths come from the mix
 * @param rate        open loop: requests per second over all connections; closed loop: 0
 * @param connections keep-alive connections; in a closed loop also the concurrency
 * @param duration    how long the measured part of the run lasts
 * @param warmup      load sent before the measured part and left out of every result figure
 * @param timeout     per request, from its intended send time to the end of its response
 * @param mix         the requests, picked by weight
 * @param seed        seeds the weighted choice, so that runs send the same request sequence
 * @param eventLoops  client event loops; 0 picks {@code min(connections, max(1, cores / 2))}
 * @param progress    where to print one progress line per second, or null for none
 * @param listener    told about every second of the run as it ends, or null
 * @param tls         for an {@code https} target: whom to trust; null for an {@code http} target
 */
public record LoadSpec(
        LoadMode mode,
        URI target,
        double rate,
        int connections,
        Duration duration,
        Duration warmup,
        Duration timeout,
        RequestMix mix,
        long seed,
        int eventLoops,
        @Nullable PrintStream progress,
        @Nullable TimelineListener listener,
        @Nullable LoadTls tls) {

    /** Connections of an open-loop run unless {@link #withConnections} says otherwise. */
    public static final int DEFAULT_CONNECTIONS = 64;
    /** The per-request timeout unless {@link #withTimeout} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The seed of the weighted request choice unless {@link #withSeed} says otherwise. */
    public static final long DEFAULT_SEED = 1;

    static final int MAX_CONNECTIONS = 20_000;
    static final double MAX_RATE = 2_000_000;
    static final int MAX_EVENT_LOOPS = 64;
    private static final Duration MAX_DURATION = Duration.ofDays(1);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    /** Validates every field; messages name the field and the expected range. */
    public LoadSpec {
        requireNonNull(mode, "mode");
        requireNonNull(target, "target");
        requireNonNull(duration, "duration");
        requireNonNull(warmup, "warmup");
        requireNonNull(timeout, "timeout");
        requireNonNull(mix, "mix");
        checkTarget(target);
        boolean https = target.getScheme().equalsIgnoreCase("https");
        if (https && tls == null) {
            throw new IllegalArgumentException("tls: null for the https target " + target + " (expected: whom to trust)");
        }
        if (!https && tls != null) {
            throw new IllegalArgumentException("tls: set for the http target " + target + " (expected: an https target)");
        }
        if (mode == LoadMode.OPEN_LOOP && !(rate > 0 && rate <= MAX_RATE)) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 0 < rate <= " + (long) MAX_RATE + " per second)");
        }
        if (mode == LoadMode.CLOSED_LOOP && rate != 0) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 0 in a closed loop, which has no rate)");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException(
                    (mode == LoadMode.CLOSED_LOOP ? "concurrency: " : "connections: ") + connections
                            + " (expected: 1.." + MAX_CONNECTIONS + ")");
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0 and <= 24h)");
        }
        if (warmup.isNegative() || warmup.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0 and <= 24h)");
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0 and <= 1h)");
        }
        if (eventLoops < 0 || eventLoops > MAX_EVENT_LOOPS) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: 0 for automatic, or 1.." + MAX_EVENT_LOOPS + ")");
        }
    }

    /**
     * An open loop: {@code ratePerSecond} requests per second, due at {@code t0 + i / rate} whether
     * or not earlier ones have been answered, for {@code duration} after the warm-up.
     */
    public static LoadSpec openLoop(URI target, double ratePerSecond, Duration duration) {
        return new LoadSpec(LoadMode.OPEN_LOOP, target, ratePerSecond, DEFAULT_CONNECTIONS, duration, Duration.ZERO,
                DEFAULT_TIMEOUT, RequestMix.get("/"), DEFAULT_SEED, 0, null, null, defaultTls(target));
    }

    /**
     * A closed loop: {@code concurrency} connections, each sending its next request as soon as the
     * previous response has ended, for {@code duration} after the warm-up.
     */
    public static LoadSpec closedLoop(URI target, int concurrency, Duration duration) {
        return new LoadSpec(LoadMode.CLOSED_LOOP, target, 0, concurrency, duration, Duration.ZERO,
                DEFAULT_TIMEOUT, RequestMix.get("/"), DEFAULT_SEED, 0, null, null, defaultTls(target));
    }

    /** In a closed loop, the number of requests outstanding at any time (the connection count); 0 in an open loop. */
    public int concurrency() {
        return mode == LoadMode.CLOSED_LOOP ? connections : 0;
    }

    /** The number of keep-alive connections (in a closed loop: the concurrency). */
    public LoadSpec withConnections(int count) {
        return with(copy -> copy.connections = count);
    }

    /** Load sent before measuring starts, to warm up JITs, pools and caches on both sides. */
    public LoadSpec withWarmup(Duration warmupTime) {
        return with(copy -> copy.warmup = warmupTime);
    }

    /** The requests to send. */
    public LoadSpec withMix(RequestMix requestMix) {
        return with(copy -> copy.mix = requestMix);
    }

    /** The per-request timeout, counted from the intended send time. */
    public LoadSpec withTimeout(Duration requestTimeout) {
        return with(copy -> copy.timeout = requestTimeout);
    }

    /** Prints a progress line per second to {@code out}; null for none. */
    public LoadSpec withProgress(@Nullable PrintStream out) {
        return with(copy -> copy.progress = out);
    }

    /** Tells {@code secondListener} about each second of the run as it ends (warm-up included, flagged); null for none. */
    public LoadSpec withListener(@Nullable TimelineListener secondListener) {
        return with(copy -> copy.listener = secondListener);
    }

    /** The seed of the weighted request choice. */
    public LoadSpec withSeed(long randomSeed) {
        return with(copy -> copy.seed = randomSeed);
    }

    /** The number of client event loops (threads); 0 picks one from the connections and cores. */
    public LoadSpec withEventLoops(int count) {
        return with(copy -> copy.eventLoops = count);
    }

    /**
     * TLS to the target with this trust ({@code https}), or none ({@code http}, when null): the
     * target's scheme changes accordingly, its host and port stay.
     */
    public LoadSpec withTls(@Nullable LoadTls trust) {
        URI changed = URI.create((trust != null ? "https" : "http") + "://" + hostHeader());
        return with(copy -> {
            copy.target = changed;
            copy.tls = trust;
        });
    }

    /** Whether the target is {@code https}. */
    public boolean isTls() {
        return tls != null;
    }

    /** The event loops a run will use: {@link #eventLoops()}, or the automatic choice when it is 0. */
    int effectiveEventLoops() {
        if (eventLoops > 0) {
            return Math.min(eventLoops, connections);
        }
        return Math.min(connections, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    /** The target's port; when the URI has none, 443 for {@code https} and 80 for {@code http}. */
    int port() {
        return target.getPort() != -1 ? target.getPort() : tls != null ? 443 : 80;
    }

    /** The {@code Host} header value: {@code host:port} as written in the target. */
    String hostHeader() {
        return requireNonNull(target.getRawAuthority(), "target authority");
    }

    /** {@code open loop 2000/s} or {@code closed loop, concurrency 64}. */
    String describeLoad() {
        return mode == LoadMode.OPEN_LOOP
                ? String.format(Locale.ROOT, "open loop %s/s", formatRate(rate))
                : "closed loop, concurrency " + connections;
    }

    /** This spec with the fields {@code change} sets; every other field as it is. */
    private LoadSpec with(Consumer<Copy> change) {
        Copy copy = new Copy();
        change.accept(copy);
        return new LoadSpec(copy.mode, copy.target, copy.rate, copy.connections, copy.duration, copy.warmup, copy.timeout,
                copy.mix, copy.seed, copy.eventLoops, copy.progress, copy.listener, copy.tls);
    }

    /** This spec's fields, writable, so that each {@code with*} method names only the one it changes. */
    private final class Copy {
        LoadMode mode = LoadSpec.this.mode;
        URI target = LoadSpec.this.target;
        double rate = LoadSpec.this.rate;
        int connections = LoadSpec.this.connections;
        Duration duration = LoadSpec.this.duration;
        Duration warmup = LoadSpec.this.warmup;
        Duration timeout = LoadSpec.this.timeout;
        RequestMix mix = LoadSpec.this.mix;
        long seed = LoadSpec.this.seed;
        int eventLoops = LoadSpec.this.eventLoops;
        @Nullable PrintStream progress = LoadSpec.this.progress;
        @Nullable TimelineListener listener = LoadSpec.this.listener;
        @Nullable LoadTls tls = LoadSpec.this.tls;
    }

    private static @Nullable LoadTls defaultTls(URI target) {
        return "https".equalsIgnoreCase(target.getScheme()) ? LoadTls.systemTrust() : null;
    }

    static String formatRate(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static void checkTarget(URI target) {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || target.getHost() == null) {
            throw new IllegalArgumentException("target: '" + target + "' (expected: http://HOST:PORT or https://HOST:PORT)");
        }
        String path = target.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || target.getRawQuery() != null) {
            throw new IllegalArgumentException("target: '" + target
                    + "' has a path or query (expected: http://HOST:PORT; paths come from the request mix)");
        }
    }
}
