package dev.meridian.router.admin;

import dev.meridian.config.AdminToken;
import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code admin.token-file}: admin tokens kept out of the configuration, for secrets that are
 * mounted as files (Kubernetes secrets, systemd credentials). One token per line:
 *
 * <pre>
 * # name:scope:secret
 * sre:write:3c5f0d2e9a...
 * prometheus:read:9b1a77c4e0...
 * </pre>
 *
 * <p>Blank lines and lines starting with {@code #} are skipped. Problems are reported like the
 * configuration's, as {@code FILE:LINE:COL: message}, and never contain the secret.
 */
final class TokenFile {

    private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

    /** A token file holds a few lines; a huge one is a mistake. */
    private static final long MAX_SIZE = 64 * 1024;

    private TokenFile() {}

    /** The tokens in {@code file}. Blocks on the disk. */
    static List<AdminToken> read(Path file) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_SIZE) {
                throw problem(name, 0, "cannot read the token file: " + size + " bytes (expected at most " + MAX_SIZE + ")");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw problem(name, 0, "cannot read the token file: it does not exist");
        } catch (IOException e) {
            throw problem(name, 0, "cannot read the token file: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? " " + e.getMessage() : ""));
        }
        warnWhenOthersCanRead(file);
        return parse(text, name);
    }

    static List<AdminToken> parse(String text, String name) throws ConfigException {
        List<AdminToken> tokens = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                problems.add(new ConfigProblem(name, lineNumber, 1, "expected name:scope:secret (scope read or write)"));
                continue;
            }
            String tokenName = line.substring(0, first);
            String scopeText = line.substring(first + 1, second);
            String secret = line.substring(second + 1);
            AdminToken.Scope scope = null;
            for (AdminToken.Scope s : AdminToken.Scope.values()) {
                if (s.name().toLowerCase(Locale.ROOT).equals(scopeText)) {
                    scope = s;
                }
            }
            if (scope == null) {
                problems.add(new ConfigProblem(name, lineNumber, first + 2,
                        "'" + scopeText + "' is not a scope (expected read or write)"));
                continue;
            }
            try {
                AdminToken token = new AdminToken(tokenName, secret, scope);
                Integer previous = names.putIfAbsent(tokenName, lineNumber);
                if (previous != null) {
                    problems.add(new ConfigProblem(name, lineNumber, 1,
                            "duplicate token name '" + tokenName + "' (first used on line " + previous + ")"));
                } else {
                    tokens.add(token);
                }
            } catch (IllegalArgumentException e) {
                // AdminToken's messages name the token, never its secret.
                problems.add(new ConfigProblem(name, lineNumber, 1, String.valueOf(e.getMessage())));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return tokens;
    }

    private static ConfigException problem(String file, int line, String message) {
        return new ConfigException(List.of(new ConfigProblem(file, line, 0, message)));
    }

    private static void warnWhenOthersCanRead(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("the admin token file {} is readable by every user; restrict it (chmod 600)", file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }
}
