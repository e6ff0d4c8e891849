package dev.meridian.config;

import java.util.Locale;

/**
 * The HTTP version a region's endpoints speak. HTTP/2 multiplexes every request to an endpoint on
 * one connection per event loop; it is required for gRPC.
 */
public enum UpstreamProtocol {
    /** HTTP/1.1, one request at a time per pooled connection, over {@code http://} or {@code https://}. */
    H1,
    /** HTTP/2 over cleartext with prior knowledge ({@code http://} endpoints). */
    H2C,
    /** HTTP/2 over TLS, negotiated with ALPN ({@code https://} endpoints). */
    H2;

    /** The spelling used in the config file: {@code h1}, {@code h2c}, {@code h2}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this is one of the HTTP/2 protocols. */
    public boolean isHttp2() {
        return this != H1;
    }
}
