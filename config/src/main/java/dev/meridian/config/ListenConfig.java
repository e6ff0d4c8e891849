package dev.meridian.config;

import dev.meridian.config.internal.InetLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import static java.util.Objects.requireNonNull;

/**
 * Where the proxy accepts client traffic. The address is an IP literal, never a host name: the
 * bind address must not depend on DNS at start-up.
 *
 * @param address IP literal to bind, e.g. {@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}
 * @param port 0..65535; 0 binds an ephemeral port (tests)
 */
public record ListenConfig(String address, int port) {

    public ListenConfig {
        requireNonNull(address, "address");
        if (InetLiteral.parse(address) == null) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: an IP address literal)");
        }
        checkPort(port);
    }

    /** {@code 0.0.0.0:8080}. */
    public static ListenConfig ofDefaults() {
        return new ListenConfig(ConfigDefaults.LISTEN_ADDRESS, ConfigDefaults.LISTEN_PORT);
    }

    /** The address to bind; built from the literal, so no DNS lookup happens. */
    public InetSocketAddress socketAddress() {
        InetAddress ip = InetLiteral.parse(address);
        return new InetSocketAddress(requireNonNull(ip, "address"), port);
    }

    static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
