package dev.meridian.health;

import java.util.ArrayDeque;

/**
 * Which {@link Ejections} slots of one region are in use. Endpoints keep their slot for life (the
 * data path reads {@code EndpointHealth.index} without a lock), so when DNS replaces addresses the
 * slot of a leaving endpoint is freed and handed to a joining one only after {@link #QUARANTINE}:
 * a data-path thread that looked up the leaving endpoint just before it left finishes with it long
 * before. Used under the registry's membership lock only.
 */
final class EndpointSlots {

    /** How long a freed slot rests before another endpoint gets it. */
    static final long QUARANTINE_NANOS = 60_000_000_000L;

    private record Freed(int slot, long atNanos) {}

    private final ArrayDeque<Freed> free = new ArrayDeque<>();
    private int size;

    EndpointSlots(int size) {
        this.size = size;
    }

    /** Slots handed out so far, free or not: the size the region's {@link Ejections} must have. */
    int size() {
        return size;
    }

    /** A slot for a joining endpoint: the oldest freed one once rested, else a new one. */
    int take(long nowNanos) {
        Freed oldest = free.peekFirst();
        if (oldest != null && nowNanos - oldest.atNanos() >= QUARANTINE_NANOS) {
            free.pollFirst();
            return oldest.slot();
        }
        return size++;
    }

    void free(int slot, long nowNanos) {
        free.addLast(new Freed(slot, nowNanos));
    }
}
