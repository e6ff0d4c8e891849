package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import java.util.List;

/** A region at run time: its configuration and its endpoints, in configuration order. */
public final class Region {

    private final RegionConfig config;
    private final List<Endpoint> endpoints;

    Region(RegionConfig config, List<Endpoint> endpoints) {
        this.config = requireNonNull(config, "config");
        this.endpoints = List.copyOf(endpoints);
    }

    public String name() {
        return config.name();
    }

    public RegionConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    @Override
    public String toString() {
        return name();
    }
}
