package dev.meridian.config;

import dev.meridian.config.internal.InetLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import static java.util.Objects.requireNonNull;

/**
 * The admin API listener and who may call it. It changes where traffic goes, so it binds
 * loopback by default and accepts only configured bearer tokens.
 *
 * @param address IP literal to bind
 * @param port 0..65535; 0 binds an ephemeral port (tests)
 * @param tokens accepted tokens, unique by name and by secret
 */
public record AdminConfig(String address, int port, List<AdminToken> tokens) {

    public AdminConfig {
        requireNonNull(address, "address");
        if (InetLiteral.parse(address) == null) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: an IP address literal)");
        }
        ListenConfig.checkPort(port);
        tokens = List.copyOf(requireNonNull(tokens, "tokens"));
        Set<String> names = new HashSet<>();
        for (AdminToken t : tokens) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tokens: duplicate name '" + t.name() + "' (expected: unique names)");
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (tokens.get(i).token().equals(tokens.get(j).token())) {
                    throw new IllegalArgumentException("tokens: '" + tokens.get(i).name() + "' has the same secret as '"
                            + tokens.get(j).name() + "' (expected: one secret per token)");
                }
            }
        }
    }

    /** {@code 127.0.0.1:9901}, no tokens. */
    public static AdminConfig ofDefaults() {
        return new AdminConfig(ConfigDefaults.ADMIN_ADDRESS, ConfigDefaults.ADMIN_PORT, ConfigDefaults.ADMIN_TOKENS);
    }

    /** The address to bind; built from the literal, so no DNS lookup happens. */
    public InetSocketAddress socketAddress() {
        InetAddress ip = InetLiteral.parse(address);
        return new InetSocketAddress(requireNonNull(ip, "address"), port);
    }

    /**
     * The token a request presented ({@code Authorization: Bearer <presented>}), if it is one of
     * {@link #tokens()}. Every token is compared, in constant time, whatever matches first.
     */
    public Optional<AdminToken> authenticate(String presented) {
        requireNonNull(presented, "presented");
        AdminToken found = null;
        for (AdminToken t : tokens) {
            if (t.matches(presented) && found == null) {
                found = t;
            }
        }
        return Optional.ofNullable(found);
    }
}
