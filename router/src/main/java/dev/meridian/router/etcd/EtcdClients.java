package dev.meridian.router.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import dev.meridian.config.EtcdConfig;
import dev.meridian.config.EtcdTlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * How this instance talks to a fleet's etcd: one way to build a client from {@code fleet.etcd},
 * one way to wait for an answer and one way to spell keys and values, shared by the admin state store and the SLO controller's
 * election, so both treat credentials, TLS files and timeouts alike.
 */
public final class EtcdClients {

    private EtcdClients() {}

    /**
     * A client for {@code config}'s members, with its credentials and TLS files; it fails fast
     * while no member answers (callers retry) rather than waiting for one to become ready.
     *
     * @throws IllegalStateException when a TLS file is missing or unusable (the message names the key and the file)
     */
    public static Client connect(EtcdConfig config) {
        ClientBuilder builder = Client.builder()
                .endpoints(config.endpoints().stream().map(u -> u.toString()).toArray(String[]::new))
                .connectTimeout(config.connectTimeout())
                // Fail fast while no member answers: the heartbeat retries, requests carry their own timeout.
                .waitForReady(false)
                .retryMaxDuration(config.requestTimeout())
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(config.requestTimeout());
        if (config.username() != null && config.password() != null) {
            builder.user(bytes(config.username())).password(bytes(config.password()));
        }
        EtcdTlsConfig tls = config.tls();
        if (config.anyTls()) {
            if (tls != null) {
                // Netty says "File does not contain valid private key" for a file that is not there.
                checkReadable(tls.ca(), "ca");
                checkReadable(tls.certificate(), "certificate");
                checkReadable(tls.key(), "key");
            }
            try {
                builder.sslContext(b -> {
                    if (tls != null && tls.ca() != null) {
                        try {
                            b.trustManager(tls.ca().toFile());
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("fleet.etcd.tls.ca: " + tls.ca() + ": " + rootMessage(e), e);
                        }
                    }
                    if (tls != null && tls.certificate() != null && tls.key() != null) {
                        try {
                            b.keyManager(tls.certificate().toFile(), tls.key().toFile());
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("fleet.etcd.tls.certificate and key: " + tls.certificate() + ", "
                                    + tls.key() + ": " + rootMessage(e) + " (expected a PEM certificate chain and its unencrypted "
                                    + "PKCS#8 key)", e);
                        }
                    }
                });
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(e.getMessage() != null && e.getMessage().startsWith("fleet.etcd.tls")
                        ? e.getMessage() : "fleet.etcd.tls: cannot use the files: " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    /** Stops the start with the key and the file when a TLS file is missing or unreadable. */
    private static void checkReadable(@Nullable Path file, String key) {
        if (file == null) {
            return;
        }
        if (!Files.exists(file)) {
            throw new IllegalStateException("fleet.etcd.tls." + key + ": " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalStateException("fleet.etcd.tls." + key + ": cannot read " + file + " (expected a readable PEM file)");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /**
     * The future's value within {@code timeout}; a failure is rethrown unchecked (etcd's own
     * exceptions as they are), a timeout or an interrupt as {@link IllegalStateException}.
     */
    public static <T> T await(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException("no answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause.toString(), cause);
        }
    }

    /** {@code text} as etcd's bytes (UTF-8), for keys and values. */
    public static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
