package dev.meridian.config;


/**
 * HTTP/2 from clients: over TLS when ALPN picks {@code h2}, and in cleartext (h2c) with prior
 * knowledge or an {@code Upgrade: h2c} request. Each stream is one request through the same routing
 * as HTTP/1.1; flow control is per stream, so a slow stream holds back only itself.
 *
 * <p>The reset limit guards against the "rapid reset" attack (CVE-2023-44487): a client that opens
 * and cancels streams faster than {@code maxResetsPerSecond} (counted over a 1 s window) gets a
 * GOAWAY and its connection is closed.
 *
 * @param enabled whether HTTP/2 is offered at all
 * @param maxConcurrentStreams streams a client may have open at once on one connection, 1..10000
 * @param initialWindowSize the per-stream flow-control window advertised to clients, in bytes, 16 KiB..16 MiB
 * @param maxResetsPerSecond streams a client may reset per second on one connection before it is closed, 1..100000
 */
public record Http2Config(boolean enabled, int maxConcurrentStreams, int initialWindowSize, int maxResetsPerSecond) {

    public static final int MAX_STREAMS = 10_000;
    public static final int MIN_WINDOW = 16 * 1024;
    public static final int MAX_WINDOW = 16 * 1024 * 1024;
    public static final int MAX_RESETS = 100_000;

    public Http2Config {
        Range.check("maxConcurrentStreams", maxConcurrentStreams, 1, MAX_STREAMS);
        Range.check("initialWindowSize", initialWindowSize, MIN_WINDOW, MAX_WINDOW);
        Range.check("maxResetsPerSecond", maxResetsPerSecond, 1, MAX_RESETS);
    }

    /** Every value from {@link ConfigDefaults}. */
    public static Http2Config ofDefaults() {
        return new Http2Config(ConfigDefaults.HTTP2_ENABLED, ConfigDefaults.HTTP2_MAX_CONCURRENT_STREAMS,
                ConfigDefaults.HTTP2_INITIAL_WINDOW_SIZE, ConfigDefaults.HTTP2_MAX_RESETS_PER_SECOND);
    }
}
