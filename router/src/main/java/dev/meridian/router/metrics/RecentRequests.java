package dev.meridian.router.metrics;

import dev.meridian.regions.RoutingRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A sample of recent routing requests (who asked, from where, for which route and tenant), kept
 * so that the admin API can say what share of real traffic each region gets now and would get
 * under a proposed change (dry run), without replaying any traffic.
 *
 * <p>One request in {@link #SAMPLE_EVERY} is kept, in a fixed ring: bounded memory, and the
 * shared cursor is touched by a fraction of requests only.
 */
public final class RecentRequests {

    static final int SAMPLE_EVERY = 8;
    private static final int CAPACITY = 1024;

    private final AtomicReferenceArray<RoutingRequest> ring = new AtomicReferenceArray<>(CAPACITY);
    private final AtomicLong cursor = new AtomicLong();

    /** Maybe keeps {@code request}; called on event loops, never blocks. */
    public void offer(RoutingRequest request) {
        if (ThreadLocalRandom.current().nextInt(SAMPLE_EVERY) == 0) {
            ring.set((int) (cursor.getAndIncrement() % CAPACITY), request);
        }
    }

    /** The requests kept, oldest first as far as the ring knows. */
    public List<RoutingRequest> snapshot() {
        List<RoutingRequest> kept = new ArrayList<>(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            RoutingRequest request = ring.get(i);
            if (request != null) {
                kept.add(request);
            }
        }
        return kept;
    }
}
