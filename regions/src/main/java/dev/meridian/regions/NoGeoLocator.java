package dev.meridian.regions;

import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/** {@link GeoLocator#NONE}: an enum so that it stays a singleton. */
enum NoGeoLocator implements GeoLocator {
    INSTANCE;

    @Override
    public @Nullable ClientLocation locate(InetAddress address) {
        return null;
    }

    @Override
    public GeoCacheStats stats() {
        return GeoCacheStats.EMPTY;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "GeoLocator.NONE";
    }
}
