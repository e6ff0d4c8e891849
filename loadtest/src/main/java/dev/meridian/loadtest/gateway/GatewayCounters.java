package dev.meridian.loadtest.gateway;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind {@link GatewayStats}, updated from every event loop.
 *
 * <p>{@link LongAdder}s so concurrent loops never contend on one cache line; the per-path counters
 * are created up front for every {@link GatewayRoute} (an {@link EnumMap} that is never written
 * after construction), so counting a request is a lookup and an add, never an insertion.
 */
final class GatewayCounters {

    private final LongAdder connectionsAccepted = new LongAdder();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final Map<GatewayRoute, LongAdder> requestsByRoute = new EnumMap<>(GatewayRoute.class);
    private final LongAdder responsesCompleted = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();

    GatewayCounters() {
        for (GatewayRoute route : GatewayRoute.values()) {
            requestsByRoute.put(route, new LongAdder());
        }
    }

    void connectionOpened() {
        connectionsAccepted.increment();
        openConnections.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    void requestStarted(GatewayRoute route) {
        requests.increment();
        requestsByRoute.get(route).increment();
    }

    void responseCompleted() {
        responsesCompleted.increment();
    }

    void exchangeCancelled() {
        cancelled.increment();
    }

    void bodyBytesReceived(int bytes) {
        bytesReceived.add(bytes);
    }

    /** A consistent-enough snapshot (each counter is read once; they are not read atomically together). */
    GatewayStats snapshot() {
        Map<String, Long> byPath = new LinkedHashMap<>();
        requestsByRoute.forEach((route, count) -> byPath.put(route.statsKey(), count.sum()));
        return new GatewayStats(
                connectionsAccepted.sum(),
                openConnections.get(),
                requests.sum(),
                byPath,
                responsesCompleted.sum(),
                cancelled.sum(),
                bytesReceived.sum());
    }

    /** Zeroes every counter except the open-connection gauge, which describes the present. */
    void reset() {
        connectionsAccepted.reset();
        requests.reset();
        requestsByRoute.values().forEach(LongAdder::reset);
        responsesCompleted.reset();
        cancelled.reset();
        bytesReceived.reset();
    }
}
