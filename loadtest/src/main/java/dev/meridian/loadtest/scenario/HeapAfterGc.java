package dev.meridian.loadtest.scenario;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap the JVM still held after its garbage collections: every collection's notification
 * (young ones included) sums the heap pools' usage after it, and {@link #take()} returns the
 * smallest such figure since the last call. That is the live set plus what the collector chose to
 * leave, the figure whose growth over a long run is a leak; the plain "heap used" is mostly
 * garbage waiting for the next collection.
 *
 * <p>A pool's {@link MemoryPoolMXBean#getCollectionUsage()} would be the other way to read it, but
 * G1 updates the old generation's only after mixed or full collections, which a steady load may not
 * cause for many minutes.
 */
final class HeapAfterGc implements AutoCloseable {

    private final Set<String> heapPools = new HashSet<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::collected;
    private long smallestSinceTake = Long.MAX_VALUE;
    private long last = -1;

    HeapAfterGc() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    private void collected(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long after = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                after += pool.getValue().getUsed();
            }
        }
        synchronized (this) {
            smallestSinceTake = Math.min(smallestSinceTake, after);
            last = after;
        }
    }

    /**
     * The smallest heap after a collection since the last call; when there was none since, the heap
     * after the latest collection; -1 before the first.
     */
    synchronized long take() {
        long value = smallestSinceTake == Long.MAX_VALUE ? last : smallestSinceTake;
        smallestSinceTake = Long.MAX_VALUE;
        return value;
    }

    /** What {@link #take()} would return, without starting a new interval. */
    synchronized long peek() {
        return smallestSinceTake == Long.MAX_VALUE ? last : smallestSinceTake;
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // Already gone: nothing to remove.
            }
        }
    }
}
