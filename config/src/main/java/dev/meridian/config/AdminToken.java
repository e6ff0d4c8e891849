package dev.meridian.config;

import dev.meridian.config.syntax.NameRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import static java.util.Objects.requireNonNull;

/**
 * A bearer token of the admin API. The token is a secret: {@link #toString()} never prints it,
 * and {@link #matches(String)} compares in constant time so that response timing reveals nothing.
 *
 * @param name who holds the token, shown in logs instead of the token
 * @param token the secret, non-empty and without whitespace
 * @param scope what the token may do
 */
public record AdminToken(String name, String token, Scope scope) {

    /** What a token may do. */
    public enum Scope {
        /** GET endpoints only. */
        READ,
        /** Everything, including weights and drains. */
        WRITE;

        /** Whether a token of this scope may call an endpoint that requires {@code required}. */
        public boolean includes(Scope required) {
            return this == WRITE || required == READ;
        }
    }

    public AdminToken {
        requireNonNull(name, "name");
        requireNonNull(token, "token");
        requireNonNull(scope, "scope");
        NameRule.NAME.check("name", name);
        if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("token: <redacted> of '" + name + "' (expected: non-empty, no whitespace)");
        }
    }

    /** Whether {@code presented} (the text after {@code Bearer }) is this token, in time independent of where they differ. */
    public boolean matches(String presented) {
        requireNonNull(presented, "presented");
        // Hashing first makes the comparison independent of the lengths as well.
        return MessageDigest.isEqual(sha256(presented), sha256(token));
    }

    /** {@code AdminToken[name=sre, token=<redacted>, scope=WRITE]}. */
    @Override
    public String toString() {
        return "AdminToken[name=" + name + ", token=<redacted>, scope=" + scope + "]";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
