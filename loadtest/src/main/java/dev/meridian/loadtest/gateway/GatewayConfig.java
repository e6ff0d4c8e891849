package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * How to start one {@link SimulatedGateway}: its name (stamped on every response as
 * {@code X-Sim-Gateway}, so tests can tell which replica answered), where it listens, how many
 * event loops serve it, the latency and fault it starts with, and whether its data port speaks TLS.
 *
 * <p>Immutable and validated here, so a bad value fails at construction with a message naming the
 * field rather than deep inside a bind. {@link #of(String)} holds the defaults: loopback, ephemeral
 * ports, one event loop, no latency, no fault, plaintext (HTTP/1.1 and h2c).
 *
 * @param tls the data port's certificate and key, or null for a plaintext data port
 */
public record GatewayConfig(
        String name, String host, int port, int controlPort, int eventLoops, LatencyModel latency, Fault fault,
        @Nullable Tls tls) {

    /** The loopback address every default binds to: tests and the demo never listen on the network. */
    public static final String LOOPBACK = "127.0.0.1";

    /** Validates every field. */
    public GatewayConfig {
        requireNonNull(name, "name");
        requireNonNull(host, "host");
        requireNonNull(latency, "latency");
        requireNonNull(fault, "fault");
        if (name.isBlank() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(
                    "name: '" + name + "' (expected: non-empty printable ASCII without spaces; it is sent as a header)");
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '' (expected: an IP address or host name)");
        }
        checkPort("port", port);
        checkPort("controlPort", controlPort);
        if (eventLoops < 1 || eventLoops > 256) {
            throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: 1..256)");
        }
    }

    /** A plaintext gateway (no TLS). */
    public GatewayConfig(
            String name, String host, int port, int controlPort, int eventLoops, LatencyModel latency, Fault fault) {
        this(name, host, port, controlPort, eventLoops, latency, fault, null);
    }

    /** 127.0.0.1, port 0, control port 0, one event loop, no latency, no fault. */
    public static GatewayConfig of(String name) {
        return new GatewayConfig(name, LOOPBACK, 0, 0, 1, LatencyModel.none(), Fault.none());
    }

    /** A copy with another name. */
    public GatewayConfig withName(String name) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy listening on another host. */
    public GatewayConfig withHost(String host) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy with another data port (0 picks an ephemeral port). */
    public GatewayConfig withPort(int port) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy with another control port (0 picks an ephemeral port). */
    public GatewayConfig withControlPort(int controlPort) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy served by another number of event loops. */
    public GatewayConfig withEventLoops(int eventLoops) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy starting with another latency model. */
    public GatewayConfig withLatency(LatencyModel latency) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /** A copy starting with another fault. */
    public GatewayConfig withFault(Fault fault) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, tls);
    }

    /**
     * A copy whose data port speaks TLS with this certificate chain and private key (PEM files,
     * read when the gateway starts), offering h2 and http/1.1 through ALPN.
     */
    public GatewayConfig withTls(Path certificateChain, Path privateKey) {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault,
                new Tls(certificateChain, privateKey));
    }

    /** A copy with a plaintext data port (HTTP/1.1 and h2c with prior knowledge). */
    public GatewayConfig withoutTls() {
        return new GatewayConfig(name, host, port, controlPort, eventLoops, latency, fault, null);
    }

    /**
     * The data port's TLS identity: PEM files holding the certificate chain (leaf first) and its
     * unencrypted PKCS#8 private key. The files are read when the gateway starts, so a bad one
     * fails {@link SimulatedGateway#start} with a message naming it.
     */
    public record Tls(Path certificateChain, Path privateKey) {
        /** Validates that both paths are given. */
        public Tls {
            requireNonNull(certificateChain, "certificateChain");
            requireNonNull(privateKey, "privateKey");
        }
    }

    private static void checkPort(String field, int value) {
        if (value < 0 || value > 65_535) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: 0..65535, 0 for an ephemeral port)");
        }
    }
}
