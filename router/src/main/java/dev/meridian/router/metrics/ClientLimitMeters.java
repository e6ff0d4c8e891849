package dev.meridian.router.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The meters of the client limits, registered once per server (every label value from the start,
 * so a rate of refusals that never happened is 0, not absent):
 * {@code meridian_client_connections_refused_total{reason}} and
 * {@code meridian_client_timeouts_total{phase}}.
 */
public final class ClientLimitMeters {

    /** Why a connection was refused at accept. */
    public enum Refusal {
        /** {@code server.max-connections} client connections were open. */
        GLOBAL,
        /** {@code server.max-connections-per-ip} connections from the same address were open. */
        PER_IP;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a client was too slow at. */
    public enum Phase {
        /** Sending its first byte, or a whole request head ({@code server.request-head-timeout}). */
        HEAD,
        /** Sending the next part of a request body ({@code server.request-body-timeout}). */
        BODY,
        /** Sending a next request on a keep-alive connection ({@code server.client-idle-timeout}). */
        IDLE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
    private final Map<Phase, Counter> timeouts = new EnumMap<>(Phase.class);

    public ClientLimitMeters(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        for (Refusal reason : Refusal.values()) {
            refused.put(reason, RouterMeters.CLIENT_CONNECTIONS_REFUSED.counter()
                    .tag("reason", reason.label())
                    .register(registry));
        }
        for (Phase phase : Phase.values()) {
            timeouts.put(phase, RouterMeters.CLIENT_TIMEOUTS.counter()
                    .tag("phase", phase.label())
                    .register(registry));
        }
    }

    public void refused(Refusal reason) {
        refused.get(reason).increment();
    }

    public void timedOut(Phase phase) {
        timeouts.get(phase).increment();
    }
}
