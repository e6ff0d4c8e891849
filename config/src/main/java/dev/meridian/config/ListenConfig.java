package dev.meridian.config;

import dev.meridian.config.syntax.InetLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * Where the proxy accepts client traffic. The address is an IP literal, never a host name: the
 * bind address must not depend on DNS at start-up.
 *
 * <p>{@code proxyProtocol} is off by default because a listener that accepts the PROXY protocol
 * lets whoever connects claim any client address; turn it on only behind an L4 balancer that
 * always sends the header.
 *
 * @param address IP literal to bind, e.g. {@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}
 * @param port 0..65535; 0 binds an ephemeral port (tests)
 * @param proxyProtocol whether connections start with a PROXY protocol v1 or v2 header naming the client
 * @param tls TLS termination, or {@code null} for a plaintext listener (HTTP/1.1 and h2c)
 */
public record ListenConfig(String address, int port, boolean proxyProtocol, @Nullable TlsConfig tls) {

    public ListenConfig {
        requireNonNull(address, "address");
        if (InetLiteral.parse(address) == null) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: an IP address literal)");
        }
        checkPort(port);
    }

    /** A plaintext listener. */
    public ListenConfig(String address, int port, boolean proxyProtocol) {
        this(address, port, proxyProtocol, null);
    }

    /** A plaintext listener without the PROXY protocol. */
    public ListenConfig(String address, int port) {
        this(address, port, ConfigDefaults.PROXY_PROTOCOL);
    }

    /** {@code 0.0.0.0:8080}, no PROXY protocol. */
    public static ListenConfig ofDefaults() {
        return new ListenConfig(ConfigDefaults.LISTEN_ADDRESS, ConfigDefaults.LISTEN_PORT, ConfigDefaults.PROXY_PROTOCOL);
    }

    public ListenConfig withProxyProtocol(boolean proxyProtocol) {
        return new ListenConfig(address, port, proxyProtocol, tls);
    }

    public ListenConfig withTls(@Nullable TlsConfig tls) {
        return new ListenConfig(address, port, proxyProtocol, tls);
    }

    /** The address to bind; built from the literal, so no DNS lookup happens. */
    public InetSocketAddress socketAddress() {
        InetAddress ip = InetLiteral.parse(address);
        return new InetSocketAddress(requireNonNull(ip, "address"), port);
    }

    static void checkPort(int port) {
        Range.check("port", port, 0, 65535);
    }
}
