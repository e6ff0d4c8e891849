package dev.meridian.router.exchange;

import static java.util.Objects.requireNonNull;

import dev.meridian.health.BreakerState;
import dev.meridian.health.HealthReport;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.GeoCacheStats;
import dev.meridian.regions.Region;
import dev.meridian.router.metrics.RouterMeters;
import dev.meridian.router.upstream.UpstreamPools;
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
        RouterMeters.CLIENT_CONNECTIONS.gauge(clientConnections, IntSupplier::getAsInt).register(registry);
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
        regionGauge(RouterMeters.REGION_AVAILABLE, name,
                s -> {
                    Region region = regionOf(s, name);
                    return region != null && s.available(region) ? 1 : 0;
                });
        regionGauge(RouterMeters.REGION_WEIGHT, name,
                s -> ofRegion(s, name, region -> s.policy().overrides().effectiveWeight(region.config())));
        regionGauge(RouterMeters.REGION_DIAL_RATIO, name, s -> s.policy().overrides().dial(name).ratio());
        regionGauge(RouterMeters.REGION_DRAINED, name, s -> s.policy().overrides().isDrained(name) ? 1 : 0);
        regionGauge(RouterMeters.REGION_ENDPOINTS, name, s -> ofRegion(s, name, region -> region.endpoints().size()));
        regionGauge(RouterMeters.REGION_HEALTHY_ENDPOINTS, name,
                s -> ofRegion(s, name, region -> s.health().availableEndpoints(region)));
        regionGauge(RouterMeters.REGION_PROBE_RTT, name,
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.latencyNanos() < 0 ? Double.NaN : r.latencyNanos() / 1e9;
                });
        regionGauge(RouterMeters.REGION_CAPACITY, name,
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null ? Double.NaN : r.capacity();
                });
        for (BreakerState state : BreakerState.values()) {
            perRegion.add(RouterMeters.REGION_BREAKER_STATE.gauge(snapshots, s -> {
                        HealthReport.RegionReport r = regionReport(name);
                        return r != null && r.breaker() == state ? 1 : 0;
                    })
                    .tags("region", name, "state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
        regionGauge(RouterMeters.REGION_BREAKER_FAILURE_RATIO, name,
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.failureRate() < 0 ? Double.NaN : r.failureRate() / 100.0;
                });
        regionGauge(RouterMeters.REGION_BREAKER_SLOW_CALL_RATIO, name,
                s -> {
                    HealthReport.RegionReport r = regionReport(name);
                    return r == null || r.slowCallRate() < 0 ? Double.NaN : r.slowCallRate() / 100.0;
                });
        perRegion.add(RouterMeters.UPSTREAM_CONNECTIONS.gauge(pools, p -> {
                    int[] c = p.connections(name);
                    return Math.max(0, c[0] - c[1]);
                })
                .tags("region", name, "state", "in_use")
                .register(registry));
        perRegion.add(RouterMeters.UPSTREAM_CONNECTIONS.gauge(pools, p -> p.connections(name)[1])
                .tags("region", name, "state", "idle")
                .register(registry));
        perRegion.add(RouterMeters.UPSTREAM_STREAMS.gauge(pools, p -> p.connections(name)[3])
                .tag("region", name)
                .register(registry));
        perRegion.add(RouterMeters.UPSTREAM_PENDING_ACQUIRES.gauge(pools, p -> p.connections(name)[2])
                .tag("region", name)
                .register(registry));
    }

    private void regionGauge(RouterMeters meter, String region, ToDoubleFunction<RouterSnapshot> value) {
        perRegion.add(meter.gauge(snapshots, s -> value.applyAsDouble(s.get()))
                .tag("region", region)
                .register(registry));
    }

    private void registerEndpoint(String region, String label) {
        perRegion.add(RouterMeters.ENDPOINT_AVAILABLE.gauge(snapshots, s -> {
                    HealthReport.EndpointReport e = endpointReport(region, label);
                    return e != null && e.available() ? 1 : 0;
                })
                .tags("region", region, "endpoint", label)
                .register(registry));
        perRegion.add(RouterMeters.ENDPOINT_EJECTIONS.functionCounter(snapshots, s -> {
                    HealthReport.EndpointReport e = endpointReport(region, label);
                    return e == null ? 0 : e.ejections();
                })
                .tags("region", region, "endpoint", label)
                .register(registry));
        perRegion.add(RouterMeters.ENDPOINT_OUTSTANDING_REQUESTS.gauge(snapshots, s -> {
                    Endpoint e = endpointOf(s.get(), region, label);
                    return e == null ? Double.NaN : e.outstanding();
                })
                .tags("region", region, "endpoint", label)
                .register(registry));
    }

    private void registerGeo() {
        geoCounter(RouterMeters.GEOIP_LOOKUPS, "hit", GeoCacheStats::addressCacheHits);
        geoCounter(RouterMeters.GEOIP_LOOKUPS, "miss", GeoCacheStats::addressCacheMisses);
        geoCounter(RouterMeters.GEOIP_LOOKUPS, "failed", GeoCacheStats::failedLookups);
        geoCounter(RouterMeters.GEOIP_NODE_CACHE, "hit", GeoCacheStats::nodeCacheHits);
        geoCounter(RouterMeters.GEOIP_NODE_CACHE, "miss", GeoCacheStats::nodeCacheMisses);
        RouterMeters.GEOIP_CACHE_HIT_RATIO.gauge(snapshots, s -> {
                    GeoCacheStats stats = s.get().geo().stats();
                    return stats.lookups() == 0 ? Double.NaN : (double) stats.addressCacheHits() / stats.lookups();
                })
                .register(registry);
        RouterMeters.GEOIP_DATABASE_BUILD_TIMESTAMP
                .gauge(snapshots, s -> s.get().geo().stats().databaseBuildEpoch())
                .register(registry);
    }

    private void geoCounter(RouterMeters meter, String result, ToDoubleFunction<GeoCacheStats> value) {
        meter.functionCounter(snapshots, s -> value.applyAsDouble(s.get().geo().stats()))
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
