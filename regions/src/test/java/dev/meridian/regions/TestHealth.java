package dev.meridian.regions;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** Health the tests set by hand; every change moves the version, as the real one must. */
final class TestHealth implements HealthSignals {

    private final Set<Endpoint> down = new HashSet<>();
    private final Set<String> openBreakers = new HashSet<>();
    private final Map<String, Long> latencyNanos = new HashMap<>();
    private final AtomicLong version = new AtomicLong();

    TestHealth down(Endpoint endpoint) {
        down.add(endpoint);
        version.incrementAndGet();
        return this;
    }

    TestHealth up(Endpoint endpoint) {
        down.remove(endpoint);
        version.incrementAndGet();
        return this;
    }

    TestHealth openBreaker(String region) {
        openBreakers.add(region);
        version.incrementAndGet();
        return this;
    }

    TestHealth latency(String region, double millis) {
        latencyNanos.put(region, (long) (millis * 1e6));
        version.incrementAndGet();
        return this;
    }

    @Override
    public boolean isAvailable(Endpoint endpoint) {
        return !down.contains(endpoint);
    }

    @Override
    public boolean admits(Region region) {
        return !openBreakers.contains(region.name());
    }

    @Override
    public long latencyNanos(Region region) {
        return latencyNanos.getOrDefault(region.name(), -1L);
    }

    @Override
    public long version() {
        return version.get();
    }
}
