package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.syntax.InetLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of the regions and their endpoints, in configuration order.
 *
 * <p>An endpoint configured by IP address is one replica. An endpoint configured by host name is
 * as many replicas as its DNS answer has addresses, taken from an {@link EndpointAddresses} (the
 * router's DNS discovery): none while the name has no answer, which can leave a region without
 * endpoints (never available, like a region whose endpoints are all down). Building a table never
 * resolves a name. When answers change, {@link #withAddresses} makes the next table, keeping the
 * {@link Endpoint} objects of the addresses still answered, so that their requests in flight,
 * latency averages, health and connection pools carry over.
 *
 * <pre>{@code
 * RoutingTable table = RoutingTable.build(config.regions(), config.routing(), System::nanoTime, discovery::addresses);
 * ...
 * RoutingTable next = table.withAddresses(discovery::addresses); // == table when no answer changed
 * }</pre>
 */
public final class RoutingTable {

    private final List<Region> regions;
    private final Map<String, Region> byName;
    private final double initialTtfbNanos;
    private final double ttfbTauNanos;
    private final LongSupplier nanoClock;

    private RoutingTable(List<Region> regions, double initialTtfbNanos, double ttfbTauNanos, LongSupplier nanoClock) {
        this.regions = List.copyOf(regions);
        Map<String, Region> names = new LinkedHashMap<>();
        for (Region region : regions) {
            names.put(region.name(), region);
        }
        this.byName = Map.copyOf(names);
        this.initialTtfbNanos = initialTtfbNanos;
        this.ttfbTauNanos = ttfbTauNanos;
        this.nanoClock = nanoClock;
    }

    /** Builds the table with the default routing settings and the system clock (see {@link #build(List, RoutingConfig, LongSupplier)}). */
    public static RoutingTable build(List<RegionConfig> configs) {
        return build(configs, RoutingConfig.ofDefaults(), System::nanoTime);
    }

    /**
     * Builds the table without resolving anything: for tools that look at a configuration offline
     * ({@code meridian explain}) and for tests. An endpoint configured by name is one replica with
     * an unresolved address, which is fine for ranking and explaining but must never reach a
     * connection (the router builds its tables with {@link #build(List, RoutingConfig,
     * LongSupplier, EndpointAddresses)}).
     *
     * @param nanoClock the clock of the endpoints' time-to-first-byte averages (tests inject one)
     */
    public static RoutingTable build(List<RegionConfig> configs, RoutingConfig routing, LongSupplier nanoClock) {
        return assemble(configs, routing, nanoClock, null);
    }

    /**
     * Builds the table, each endpoint configured by name becoming one replica per address that
     * {@code addresses} gives for its host.
     */
    public static RoutingTable build(
            List<RegionConfig> configs, RoutingConfig routing, LongSupplier nanoClock, EndpointAddresses addresses) {
        return assemble(configs, routing, nanoClock, requireNonNull(addresses, "addresses"));
    }

    private static RoutingTable assemble(List<RegionConfig> configs, RoutingConfig routing, LongSupplier nanoClock,
            @Nullable EndpointAddresses addresses) {
        requireNonNull(configs, "configs");
        requireNonNull(routing, "routing");
        requireNonNull(nanoClock, "nanoClock");
        RoutingTable empty = new RoutingTable(List.of(), routing.defaultTtfb().toNanos(), routing.ttfbDecay().toNanos(), nanoClock);
        List<Region> regions = new ArrayList<>(configs.size());
        for (RegionConfig config : configs) {
            regions.add(new Region(config, empty.endpointsOf(config, addresses, Map.of())));
        }
        return new RoutingTable(regions, empty.initialTtfbNanos, empty.ttfbTauNanos, nanoClock);
    }

    /**
     * The table with each named endpoint's replicas following {@code addresses}: an address still
     * answered keeps its {@link Endpoint} object, a new one gets a new endpoint, a gone one is
     * left out. Regions whose replicas did not change are the same objects.
     *
     * @return this table itself when no region changed
     */
    public RoutingTable withAddresses(EndpointAddresses addresses) {
        requireNonNull(addresses, "addresses");
        List<Region> next = new ArrayList<>(regions.size());
        boolean changed = false;
        for (Region region : regions) {
            Map<Key, Endpoint> current = new HashMap<>();
            for (Endpoint endpoint : region.endpoints()) {
                current.put(new Key(endpoint.uri(), endpoint.address()), endpoint);
            }
            List<Endpoint> endpoints = endpointsOf(region.config(), addresses, current);
            if (endpoints.equals(region.endpoints())) { // Endpoint has identity equality
                next.add(region);
            } else {
                next.add(new Region(region.config(), endpoints));
                changed = true;
            }
        }
        return changed ? new RoutingTable(next, initialTtfbNanos, ttfbTauNanos, nanoClock) : this;
    }

    /** The endpoints of one region: configuration order, a name's addresses sorted (IPv4 first, then by bytes). */
    private List<Endpoint> endpointsOf(RegionConfig config, @Nullable EndpointAddresses addresses, Map<Key, Endpoint> current) {
        List<Endpoint> endpoints = new ArrayList<>(config.endpoints().size());
        for (URI uri : config.endpoints()) {
            int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            InetAddress literal = InetLiteral.parseHost(uri.getHost());
            if (literal != null) {
                endpoints.add(reuse(config, uri, new InetSocketAddress(literal, port), false, current));
            } else if (addresses == null) {
                endpoints.add(reuse(config, uri, InetSocketAddress.createUnresolved(uri.getHost(), port), true, current));
            } else {
                Map<String, InetAddress> sorted = new TreeMap<>();
                for (InetAddress address : addresses.of(uri.getHost())) {
                    sorted.put(sortKey(address), address);
                }
                for (InetAddress address : sorted.values()) {
                    endpoints.add(reuse(config, uri, new InetSocketAddress(address, port), true, current));
                }
            }
        }
        return endpoints;
    }

    private Endpoint reuse(RegionConfig config, URI uri, InetSocketAddress address, boolean named, Map<Key, Endpoint> current) {
        Endpoint existing = current.get(new Key(uri, address));
        return existing != null
                ? existing
                : new Endpoint(config.name(), uri, address, named, new PeakEwma(initialTtfbNanos, ttfbTauNanos, nanoClock));
    }

    /** IPv4 before IPv6, then numerically: a stable order whatever order the DNS server rotated the answer into. */
    private static String sortKey(InetAddress address) {
        byte[] bytes = address.getAddress();
        StringBuilder key = new StringBuilder(bytes.length * 2 + 1).append(bytes.length == 4 ? '4' : '6');
        for (byte b : bytes) {
            key.append(String.format("%02x", b & 0xff));
        }
        return key.toString();
    }

    /** An endpoint's identity across tables: the configured URI and the address it connects to. */
    private record Key(URI uri, InetSocketAddress address) {}

    /** The regions in configuration order. */
    public List<Region> regions() {
        return regions;
    }

    public Optional<Region> region(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("RoutingTable");
        for (Region region : regions) {
            text.append(' ').append(region.name()).append(Arrays.toString(region.endpoints().toArray()));
        }
        return text.toString();
    }
}
