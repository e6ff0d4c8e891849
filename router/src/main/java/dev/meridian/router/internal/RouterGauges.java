package dev.meridian.router.internal;

import static java.util.Objects.requireNonNull;

import dev.meridian.health.BreakerState;
import dev.meridian.health.HealthReport;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.GeoCacheStats;
import dev.meridian.regions.Region;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters that describe state rather than requests, read when {@code /metrics} is scraped:
 * each region's availability, weight, dial, endpoints, probe latency, throttling and circuit breaker,
 * each endpoint's health, the upstream pools, client connections and the GeoIP caches. They read
 * the router's current snapshot, so they follow admin changes and reloads; {@link #sync()} adds
 * and removes the per-region and per-endpoint meters when a reload changes the regions.
 *
 * <p>Health figures come from one {@link HealthReport} per scrape (reused for half a second), not
 * one per meter.
 */
public final class RouterGauges {

    private static final long REPORT_REUSE_NANOS = 500_000_000L;

    private final MeterRegistry registry;
    private final Supplier<RouterSnapshot> snapshots;
    private final UpstreamPools pools;
    private final List<Meter> perRegion = new ArrayList<>();
    private @Nullable Set<String> regionsRegistered;

    // The last health report and when it was taken, shared by the meters of one scrape.
    private @Nullable HealthReport report;
    private @Nullable Object reportSource;
    private long reportNanos;

    public RouterGauges(MeterRegistry registry, Supplier<RouterSnapshot> snapshots, UpstreamPools pools,
            IntSupplier clientConnections) {
        this.registry = requireNonNull(registry, "registry");
        this.snapshots = requireNonNull(snapshots, "snapshots");
        this.pools = requireNonNull(pools, "pools");
        Gauge.builder("meridian.client.connections", clientConnections, IntSupplier::getAsInt)
                .description("Open client connections")
                .register(registry);
        registerGeo();
        sync();
    }

    /**
     * Brings the per-region and per-endpoint meters in line with the current configuration: the
     * meters of regions that are gone are removed, with the request meters labelled with them.
     */
    public synchronized void sync() {
        RouterSnapshot snapshot = snapshots.get();
        for (Meter meter : perRegion) {
            registry.remove(meter);
        }
        perRegion.clear();
        Set<String> names = new HashSet<>();
        for (Region region : snapshot.policy().table().regions()) {
            names.add(region.name());
            registerRegion(region.name());
            for (Endpoint endpoint : region.endpoints()) {
                registerEndpoint(region.name(), endpoint.label());
            }
        }
        Set<String> before = regionsRegistered;
        if (before != null) {
            for (String gone : before) {
                if (!names.contains(gone)) {
                    removeLabelled(gone);
                }
            }
        }
        regionsRegistered = names;
    }

    private void registerRegion(String name) {
        regionGauge("meridian.region.available", name, "1 when the region can take new requests, else 0",
                s -> {
                    Region region = regionOf(s, name);
                    return region != null && s.available(region) ? 1 : 0;
                }, null);
        regionGauge("meridian.region.weight", name, "Effective weight, after admin overrides (0 when drained)",
                s -> ofRegion(s, name, region -> s.policy().overrides().effectiveWeight(region.config())), null);
        regionGauge("meridian.region.dial.ratio", name, "The region's traffic dial, 0..1: the fraction of its share it keeps (1 when not dialled)",
                s -> s.policy().overrides().dial(name).ratio(), null);
        regionGauge("meridian.region.drained", name, "1 when drained through the admin API",
                s -> s.policy().overrides().isDrained(name) ? 1 : 0, null);
        regionGauge("meridian.region.endpoints", name, "Configured endpoints",
                s -> ofRegion(s, name, region -> region.endpoints().size()), null);
        regionGauge("meridian.region.healthy.endpoints", name, "Endpoints probed up and not ejected",
                s -> healthyEndpoints(s, name), null);
        regionGauge("meridian.region.probe.rtt", name, "Probe round-trip time (EWMA); NaN until measured",
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.latencyNanos() < 0 ? Double.NaN : r.latencyNanos() / 1e9;
                }, "seconds");
        regionGauge("meridian.region.capacity", name, "Fraction of its share the region gets (below 1 while throttled by 429)",
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null ? Double.NaN : r.capacity();
                }, null);
        for (BreakerState state : BreakerState.values()) {
            perRegion.add(Gauge.builder("meridian.region.breaker.state", snapshots, s -> {
                        HealthReport.RegionReport r = regionReport(name);
                        return r != null && r.breaker() == state ? 1 : 0;
                    })
                    .description("1 for the circuit breaker's current state, 0 for the others")
                    .tags("region", name, "state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
        regionGauge("meridian.region.breaker.failure.ratio", name, "Failed calls in the breaker's window, 0..1; NaN before minimum-calls",
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.failureRate() < 0 ? Double.NaN : r.failureRate() / 100.0;
                }, null);
        regionGauge("meridian.region.breaker.slow.call.ratio", name, "Slow calls in the breaker's window, 0..1; NaN before minimum-calls",
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.slowCallRate() < 0 ? Double.NaN : r.slowCallRate() / 100.0;
                }, null);
        perRegion.add(Gauge.builder("meridian.upstream.connections", pools, p -> {
                    int[] c = p.connections(name);
                    return Math.max(0, c[0] - c[1]);
                })
                .description("Open upstream connections to the region's endpoints, by state (an HTTP/2 "
                        + "connection is in use while it carries at least one stream)")
                .tags("region", name, "state", "in_use")
                .register(registry));
        perRegion.add(Gauge.builder("meridian.upstream.connections", pools, p -> p.connections(name)[1])
                .description("Open upstream connections to the region's endpoints, by state (an HTTP/2 "
                        + "connection is in use while it carries at least one stream)")
                .tags("region", name, "state", "idle")
                .register(registry));
        perRegion.add(Gauge.builder("meridian.upstream.streams", pools, p -> p.connections(name)[3])
                .description("Active HTTP/2 streams to the region's endpoints (requests in flight on its "
                        + "multiplexed connections; 0 for HTTP/1.1 regions)")
                .tag("region", name)
                .register(registry));
        perRegion.add(Gauge.builder("meridian.upstream.pending.acquires", pools, p -> p.connections(name)[2])
                .description("Requests waiting for a free upstream connection to the region")
                .tag("region", name)
                .register(registry));
    }

    private void regionGauge(String meter, String region, String description,
            ToDoubleFunction<RouterSnapshot> value, @Nullable String unit) {
        perRegion.add(Gauge.builder(meter, snapshots, s -> value.applyAsDouble(s.get()))
                .description(description)
                .baseUnit(unit)
                .tag("region", region)
                .register(registry));
    }

    private void registerEndpoint(String region, String label) {
        perRegion.add(Gauge.builder("meridian.endpoint.available", snapshots, s -> {
                    HealthReport.EndpointReport e = endpointReport(region, label);
                    return e != null && e.available() ? 1 : 0;
                })
                .description("1 when the endpoint is probed up and not ejected")
                .tags("region", region, "endpoint", label)
                .register(registry));
        perRegion.add(FunctionCounter.builder("meridian.endpoint.ejections", snapshots, s -> {
                    HealthReport.EndpointReport e = endpointReport(region, label);
                    return e == null ? 0 : e.ejections();
                })
                .description("Outlier ejections since the configuration was loaded")
                .tags("region", region, "endpoint", label)
                .register(registry));
        perRegion.add(Gauge.builder("meridian.endpoint.outstanding.requests", snapshots, s -> {
                    Endpoint e = endpointOf(s.get(), region, label);
                    return e == null ? Double.NaN : e.outstanding();
                })
                .description("Requests in flight to the endpoint")
                .tags("region", region, "endpoint", label)
                .register(registry));
    }

    private void registerGeo() {
        geoCounter("hit", "address cache", GeoCacheStats::addressCacheHits, "meridian.geoip.lookups");
        geoCounter("miss", "address cache", GeoCacheStats::addressCacheMisses, "meridian.geoip.lookups");
        geoCounter("failed", "address cache", GeoCacheStats::failedLookups, "meridian.geoip.lookups");
        geoCounter("hit", "node cache", GeoCacheStats::nodeCacheHits, "meridian.geoip.node.cache");
        geoCounter("miss", "node cache", GeoCacheStats::nodeCacheMisses, "meridian.geoip.node.cache");
        Gauge.builder("meridian.geoip.cache.hit.ratio", snapshots, s -> {
                    GeoCacheStats stats = s.get().geo().stats();
                    return stats.lookups() == 0 ? Double.NaN : (double) stats.addressCacheHits() / stats.lookups();
                })
                .description("Address-cache hits per lookup since the database was opened; NaN before the first lookup")
                .register(registry);
        Gauge.builder("meridian.geoip.database.build.timestamp", snapshots, s -> s.get().geo().stats().databaseBuildEpoch())
                .description("Build time of the GeoIP database served (seconds since the epoch); 0 when none")
                .baseUnit("seconds")
                .register(registry);
    }

    private void geoCounter(String result, String what, ToDoubleFunction<GeoCacheStats> value, String meter) {
        FunctionCounter.builder(meter, snapshots, s -> value.applyAsDouble(s.get().geo().stats()))
                .description("GeoIP lookups by " + what + " result, since the database was opened")
                .tag("result", result)
                .register(registry);
    }

    /** Removes the request meters labelled with a region that is no longer configured. */
    private void removeLabelled(String region) {
        for (Meter meter : registry.getMeters()) {
            for (Tag tag : meter.getId().getTags()) {
                if ((tag.getKey().equals("region") || tag.getKey().equals("from_region") || tag.getKey().equals("to_region"))
                        && tag.getValue().equals(region)) {
                    registry.remove(meter);
                    break;
                }
            }
        }
    }

    private static @Nullable Region regionOf(RouterSnapshot s, String name) {
        for (Region region : s.policy().table().regions()) {
            if (region.name().equals(name)) {
                return region;
            }
        }
        return null;
    }

    private static @Nullable Endpoint endpointOf(RouterSnapshot s, String region, String label) {
        Region r = regionOf(s, region);
        if (r != null) {
            for (Endpoint e : r.endpoints()) {
                if (e.label().equals(label)) {
                    return e;
                }
            }
        }
        return null;
    }

    /** {@code value} of the region named {@code name}; NaN when it is no longer configured. */
    private static double ofRegion(RouterSnapshot s, String name, ToDoubleFunction<Region> value) {
        Region region = regionOf(s, name);
        return region == null ? Double.NaN : value.applyAsDouble(region);
    }

    private static double healthyEndpoints(RouterSnapshot s, String name) {
        return ofRegion(s, name, region -> s.health().availableEndpoints(region));
    }

    private HealthReport.@Nullable RegionReport regionReport(String name) {
        for (HealthReport.RegionReport r : report().regions()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    private HealthReport.@Nullable EndpointReport endpointReport(String region, String label) {
        HealthReport.RegionReport r = regionReport(region);
        if (r != null) {
            for (HealthReport.EndpointReport e : r.endpoints()) {
                if (e.label().equals(label)) {
                    return e;
                }
            }
        }
        return null;
    }

    private synchronized HealthReport report() {
        RouterSnapshot s = snapshots.get();
        long now = System.nanoTime();
        HealthReport last = report;
        if (last == null || reportSource != s.health() || now - reportNanos > REPORT_REUSE_NANOS) {
            last = s.health().report();
            report = last;
            reportSource = s.health();
            reportNanos = now;
        }
        return last;
    }
}
