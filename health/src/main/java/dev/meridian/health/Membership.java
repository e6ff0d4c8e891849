package dev.meridian.health;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import dev.meridian.regions.RoutingTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which regions and endpoints a registry knows, with their health records: those of its
 * configuration's routing table, as DNS changes the endpoints ({@link #update}). Lookups are
 * lock-free reads of maps replaced whole; changes (and the start of the probes, so that the
 * endpoints probed are those in force) take this object's lock, never on the data path.
 */
final class Membership {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private final List<RegionHealth> regions;
    /** Replaced whole by {@link #update} (new {@link Region} objects for regions whose endpoints changed). */
    private volatile Map<Region, RegionHealth> byRegion;
    /**
     * The same by name, for a {@link Region} object of an earlier DNS answer of this configuration
     * (held by an attempt), and for {@link #update}: DNS changes no region's name or health record.
     */
    private final Map<String, RegionHealth> byRegionName;
    /** Replaced whole by {@link #update}; endpoints that left stay (retired) until the update after. */
    private volatile Map<Endpoint, EndpointHealth> byEndpoint;
    /** Per region name: the {@link Ejections} slots in use. Guarded by this. */
    private final Map<String, EndpointSlots> slots = new HashMap<>();
    private final ActiveProbes probes;
    private final HealthTimeline timeline;

    Membership(RoutingTable table, RegionBreakers breakers, ActiveProbes probes, HealthTimeline timeline) {
        this.probes = probes;
        this.timeline = timeline;
        List<RegionHealth> list = new ArrayList<>();
        Map<Region, RegionHealth> regionMap = new HashMap<>();
        Map<String, RegionHealth> nameMap = new HashMap<>();
        Map<Endpoint, EndpointHealth> endpointMap = new HashMap<>();
        for (Region region : table.regions()) {
            RegionHealth rh = new RegionHealth(region, breakers.create(region), breakers.window());
            List<Endpoint> endpoints = region.endpoints();
            EndpointHealth[] array = new EndpointHealth[endpoints.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = new EndpointHealth(endpoints.get(i), rh, i);
                endpointMap.put(endpoints.get(i), array[i]);
            }
            rh.endpoints = array;
            slots.put(region.name(), new EndpointSlots(array.length));
            list.add(rh);
            regionMap.put(region, rh);
            nameMap.put(region.name(), rh);
        }
        this.regions = List.copyOf(list);
        this.byRegion = Map.copyOf(regionMap);
        this.byRegionName = Map.copyOf(nameMap);
        this.byEndpoint = Map.copyOf(endpointMap);
    }

    /** Every region, in configuration order. */
    List<RegionHealth> regions() {
        return regions;
    }

    /**
     * The health of {@code region}: found by identity, or, for the object of an earlier DNS answer
     * of the same configuration (an attempt started before the answer changed), by name; {@code null}
     * for a region of another configuration.
     */
    @Nullable RegionHealth region(Region region) {
        RegionHealth rh = byRegion.get(region);
        if (rh == null) {
            RegionHealth named = byRegionName.get(region.name());
            if (named != null && named.region.config() == region.config()) {
                rh = named;
            }
        }
        return rh;
    }

    /** The health of {@code endpoint}, also of one that left at the last update (retired); {@code null} when unknown. */
    @Nullable EndpointHealth endpoint(Endpoint endpoint) {
        return byEndpoint.get(endpoint);
    }

    /** Starts probing the endpoints in force, reporting to {@code listener}; whether this call started the probes. */
    synchronized boolean startProbes(Prober.Listener listener) {
        List<EndpointHealth> all = new ArrayList<>();
        for (RegionHealth region : regions) {
            all.addAll(List.of(region.endpoints));
        }
        return probes.start(all, listener);
    }

    /** See {@link HealthRegistry#update}. */
    synchronized void update(RoutingTable next) {
        long now = timeline.now();
        Map<Endpoint, EndpointHealth> endpoints = new HashMap<>(byEndpoint);
        endpoints.values().removeIf(eh -> eh.retired); // retired at the last update: no policy picks them any more
        Map<Region, RegionHealth> regionMap = new HashMap<>();
        List<EndpointHealth> joined = new ArrayList<>();
        List<EndpointHealth> left = new ArrayList<>();
        for (Region region : next.regions()) {
            RegionHealth rh = byRegionName.get(region.name());
            if (rh == null) {
                throw new IllegalArgumentException("update: region " + region.name() + " is not one of this registry's");
            }
            regionMap.put(region, rh);
            EndpointHealth[] before = rh.endpoints;
            List<Endpoint> wanted = region.endpoints();
            Map<Endpoint, EndpointHealth> current = new IdentityHashMap<>();
            for (EndpointHealth eh : before) {
                current.put(eh.endpoint, eh);
            }
            EndpointSlots regionSlots = slots.get(region.name());
            EndpointHealth[] after = new EndpointHealth[wanted.size()];
            List<Integer> fresh = new ArrayList<>();
            for (int i = 0; i < after.length; i++) {
                EndpointHealth eh = current.remove(wanted.get(i));
                if (eh == null) {
                    eh = new EndpointHealth(wanted.get(i), rh, regionSlots.take(now));
                    probes.prepareJoining(eh);
                    joined.add(eh);
                    fresh.add(eh.index);
                    endpoints.put(eh.endpoint, eh);
                }
                after[i] = eh;
            }
            for (EndpointHealth eh : current.values()) {
                eh.retired = true;
                left.add(eh);
                regionSlots.free(eh.index, now);
                fresh.add(eh.index);
            }
            if (fresh.isEmpty()) {
                continue;
            }
            while (true) { // the data path may eject meanwhile: compare-and-set like it does
                Ejections e = rh.ejections.get();
                Ejections cleared = e.grown(regionSlots.size());
                for (int slot : fresh) {
                    cleared = cleared.cleared(slot);
                }
                if (rh.ejections.compareAndSet(e, cleared)) {
                    break;
                }
            }
            rh.endpoints = after;
        }
        byRegion = Map.copyOf(regionMap);
        byEndpoint = Map.copyOf(endpoints);
        probes.membershipChanged(left, joined);
        if (!joined.isEmpty() || !left.isEmpty()) {
            timeline.changed();
        }
        for (EndpointHealth eh : joined) {
            log.info("endpoint {} of {} joined{}", eh.endpoint.label(), eh.region,
                    eh.up ? "" : "; it takes traffic after its first good probe");
        }
        for (EndpointHealth eh : left) {
            log.info("endpoint {} of {} left: no new requests, {} in flight finish", eh.endpoint.label(), eh.region,
                    eh.endpoint.outstanding());
        }
    }

    /** How many {@link Ejections} slots {@code region} has handed out (tests check that DNS churn stays bounded). */
    synchronized int slotsOf(String region) {
        EndpointSlots regionSlots = slots.get(region);
        return regionSlots == null ? 0 : regionSlots.size();
    }
}
