package dev.meridian.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import static java.util.Objects.requireNonNull;

/**
 * The client-facing HTTP server. Every limit is explicit because an edge proxy meets arbitrary
 * clients: a bounded request line (414), header block (431) and body (413), idle connections
 * closed, and a bounded drain on shutdown.
 *
 * @param eventLoops data-path event loops, 0..1024; 0 = one per available core
 * @param transport socket transport
 * @param maxInitialLineLength longest request line in bytes, at least 1
 * @param maxHeaderSize largest header block in bytes, at least 1
 * @param maxRequestBody largest request body in bytes, at least 0
 * @param clientIdleTimeout idle keep-alive client connections are closed after this (positive)
 * @param shutdownGrace how long in-flight requests may take to finish on SIGTERM (zero or more)
 * @param regionHeader whether proxied responses carry {@code X-Meridian-Region}
 * @param requestHeadTimeout a client must send a whole request head within this of its first byte (positive)
 * @param requestBodyTimeout longest gap between two parts of a request body (positive)
 * @param maxConnections client connections at once, 1..10,000,000
 * @param maxConnectionsPerIp client connections at once from one IP address, 0 (no limit)..10,000,000
 * @param maxPipelinedRequests requests a client may send ahead of the response it waits for, 0..1024
 * @param hosts host names (lowercase, no port) clients may ask for in an absolute-form target; empty: none
 * @param http2 HTTP/2 from clients
 */
public record ServerConfig(
        int eventLoops,
        Transport transport,
        int maxInitialLineLength,
        int maxHeaderSize,
        long maxRequestBody,
        Duration clientIdleTimeout,
        Duration shutdownGrace,
        boolean regionHeader,
        Duration requestHeadTimeout,
        Duration requestBodyTimeout,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxPipelinedRequests,
        List<String> hosts,
        Http2Config http2) {

    /** Most event loops accepted; far above any core count, it catches typos. */
    public static final int MAX_EVENT_LOOPS = 1024;
    /** Most connections accepted by either limit; catches typos. */
    public static final int MAX_CONNECTIONS_LIMIT = 10_000_000;
    /** Most pipelined requests accepted. */
    public static final int MAX_PIPELINED_LIMIT = 1024;

    public ServerConfig {
        Range.check("eventLoops", eventLoops, 0, MAX_EVENT_LOOPS);
        requireNonNull(transport, "transport");
        if (maxInitialLineLength < 1) {
            throw new IllegalArgumentException("maxInitialLineLength: " + maxInitialLineLength + " (expected: >= 1)");
        }
        if (maxHeaderSize < 1) {
            throw new IllegalArgumentException("maxHeaderSize: " + maxHeaderSize + " (expected: >= 1)");
        }
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("maxRequestBody: " + maxRequestBody + " (expected: >= 0)");
        }
        TimeoutConfig.checkPositive(clientIdleTimeout, "clientIdleTimeout");
        requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace: " + shutdownGrace + " (expected: >= 0)");
        }
        TimeoutConfig.checkPositive(requestHeadTimeout, "requestHeadTimeout");
        TimeoutConfig.checkPositive(requestBodyTimeout, "requestBodyTimeout");
        Range.check("maxConnections", maxConnections, 1, MAX_CONNECTIONS_LIMIT);
        Range.check("maxConnectionsPerIp", maxConnectionsPerIp, 0, MAX_CONNECTIONS_LIMIT);
        Range.check("maxPipelinedRequests", maxPipelinedRequests, 0, MAX_PIPELINED_LIMIT);
        hosts = List.copyOf(requireNonNull(hosts, "hosts"));
        for (String host : hosts) {
            if (!host.equals(host.toLowerCase(Locale.ROOT)) || !host.matches("[a-z0-9.-]{1,253}|\\[[0-9a-f:.]+\\]")) {
                throw new IllegalArgumentException("hosts: '" + host + "' (expected: a lowercase host name or IP literal, no port)");
            }
        }
        requireNonNull(http2, "http2");
    }

    /** The server with the listed settings and the defaults for client limits, hosts and HTTP/2. */
    public ServerConfig(int eventLoops, Transport transport, int maxInitialLineLength, int maxHeaderSize,
            long maxRequestBody, Duration clientIdleTimeout, Duration shutdownGrace, boolean regionHeader) {
        this(eventLoops, transport, maxInitialLineLength, maxHeaderSize, maxRequestBody, clientIdleTimeout,
                shutdownGrace, regionHeader, ConfigDefaults.REQUEST_HEAD_TIMEOUT, ConfigDefaults.REQUEST_BODY_TIMEOUT,
                ConfigDefaults.MAX_CONNECTIONS, ConfigDefaults.MAX_CONNECTIONS_PER_IP,
                ConfigDefaults.MAX_PIPELINED_REQUESTS, ConfigDefaults.HOSTS, Http2Config.ofDefaults());
    }

    /** Every value from {@link ConfigDefaults}. */
    public static ServerConfig ofDefaults() {
        return new ServerConfig(
                ConfigDefaults.EVENT_LOOPS,
                ConfigDefaults.TRANSPORT,
                ConfigDefaults.MAX_INITIAL_LINE_LENGTH,
                ConfigDefaults.MAX_HEADER_SIZE,
                ConfigDefaults.MAX_REQUEST_BODY,
                ConfigDefaults.CLIENT_IDLE_TIMEOUT,
                ConfigDefaults.SHUTDOWN_GRACE,
                ConfigDefaults.REGION_HEADER);
    }
}
