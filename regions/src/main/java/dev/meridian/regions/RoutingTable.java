package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import dev.meridian.config.RoutingConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * An immutable snapshot of the regions and their endpoints, in configuration order.
 *
 * <p>Building one resolves every endpoint's host name, which may block: build it off the event
 * loops (at start and on reload) and publish it whole.
 */
public final class RoutingTable {

    private final List<Region> regions;
    private final Map<String, Region> byName;

    private RoutingTable(List<Region> regions) {
        this.regions = List.copyOf(regions);
        Map<String, Region> names = new LinkedHashMap<>();
        for (Region region : regions) {
            names.put(region.name(), region);
        }
        this.byName = Map.copyOf(names);
    }

    /** Builds the table with the default routing settings and the system clock. */
    public static RoutingTable build(List<RegionConfig> configs) {
        return build(configs, RoutingConfig.ofDefaults(), System::nanoTime);
    }

    /**
     * Builds the table, resolving each endpoint's host once.
     *
     * @param nanoClock the clock of the endpoints' time-to-first-byte averages (tests inject one)
     * @throws IllegalArgumentException when a host name does not resolve, naming the region and endpoint
     */
    public static RoutingTable build(List<RegionConfig> configs, RoutingConfig routing, LongSupplier nanoClock) {
        requireNonNull(configs, "configs");
        requireNonNull(routing, "routing");
        requireNonNull(nanoClock, "nanoClock");
        double initialTtfb = routing.defaultTtfb().toNanos();
        double tau = routing.ttfbDecay().toNanos();
        List<Region> regions = new ArrayList<>(configs.size());
        for (RegionConfig config : configs) {
            List<Endpoint> endpoints = new ArrayList<>(config.endpoints().size());
            for (URI uri : config.endpoints()) {
                endpoints.add(new Endpoint(config.name(), uri, resolve(config.name(), uri),
                        new PeakEwma(initialTtfb, tau, nanoClock)));
            }
            regions.add(new Region(config, endpoints));
        }
        return new RoutingTable(regions);
    }

    private static InetSocketAddress resolve(String region, URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try {
            return new InetSocketAddress(InetAddress.getByName(uri.getHost()), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "region " + region + ": endpoint " + uri + ": host " + uri.getHost() + " does not resolve", e);
        }
    }

    /** The regions in configuration order. */
    public List<Region> regions() {
        return regions;
    }

    public Optional<Region> region(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
