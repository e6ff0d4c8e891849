package dev.meridian.config;

import dev.meridian.config.syntax.InetLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * The admin API listener and who may call it. It changes where traffic goes, so it binds
 * loopback by default, accepts only configured bearer tokens, and refuses to start on another
 * address without tokens unless {@code allowInsecure} says that is intended.
 *
 * <p>Relative {@code tokenFile}, {@code stateFile} and {@code auditFile} paths are resolved by the
 * admin server against the directory of the configuration file, so that the defaults put the
 * state next to the configuration it overrides.
 *
 * @param address IP literal to bind
 * @param port 0..65535; 0 binds an ephemeral port (tests)
 * @param tokens accepted tokens, unique by name and by secret
 * @param tokenFile more tokens, one {@code name:scope:secret} per line, read at start and on reload; {@code null} for none
 * @param stateFile where weights and drains set through the API are kept across restarts
 * @param auditFile where every admin change is appended as one JSON line
 * @param allowInsecure whether the API may bind a non-loopback address without any token
 * @param maxRequestBody largest admin request body in bytes, 1..{@value #MAX_REQUEST_BODY_LIMIT}; larger ones get 413
 * @param tls TLS for the admin API, with {@link TlsConfig#clientCa()} for mutual TLS; {@code null}: plaintext
 */
public record AdminConfig(
        String address,
        int port,
        List<AdminToken> tokens,
        @Nullable Path tokenFile,
        Path stateFile,
        Path auditFile,
        boolean allowInsecure,
        int maxRequestBody,
        @Nullable TlsConfig tls) {

    /** Largest {@code maxRequestBody} accepted: admin bodies are buffered whole, so they stay small. */
    public static final int MAX_REQUEST_BODY_LIMIT = 1024 * 1024;

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
        requireNonNull(stateFile, "stateFile");
        requireNonNull(auditFile, "auditFile");
        Range.check("maxRequestBody", maxRequestBody, 1, MAX_REQUEST_BODY_LIMIT);
    }

    /** A plaintext admin API. */
    public AdminConfig(String address, int port, List<AdminToken> tokens, @Nullable Path tokenFile, Path stateFile,
            Path auditFile, boolean allowInsecure, int maxRequestBody) {
        this(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, null);
    }

    /** An admin API with these tokens and the default files, limits and loopback rule. */
    public AdminConfig(String address, int port, List<AdminToken> tokens) {
        this(address, port, tokens, null, ConfigDefaults.ADMIN_STATE_FILE, ConfigDefaults.ADMIN_AUDIT_FILE,
                ConfigDefaults.ADMIN_ALLOW_INSECURE, ConfigDefaults.ADMIN_MAX_REQUEST_BODY);
    }

    /** {@code 127.0.0.1:9901}, no tokens, the default files. */
    public static AdminConfig ofDefaults() {
        return new AdminConfig(ConfigDefaults.ADMIN_ADDRESS, ConfigDefaults.ADMIN_PORT, ConfigDefaults.ADMIN_TOKENS);
    }

    public AdminConfig withTokens(List<AdminToken> tokens) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withTokenFile(@Nullable Path tokenFile) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withStateFile(Path stateFile) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withAuditFile(Path auditFile) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withAllowInsecure(boolean allowInsecure) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withMaxRequestBody(int maxRequestBody) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
    }

    public AdminConfig withTls(@Nullable TlsConfig tls) {
        return new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, maxRequestBody, tls);
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
