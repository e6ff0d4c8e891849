package dev.meridian.loadtest.jmh;

import dev.meridian.config.GeoConfig;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.GeoIpLocator;
import dev.meridian.testing.MmdbWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * GeoIP lookups: a cached address (the target is at most 0.3 µs) and uncached ones (every lookup
 * walks the memory-mapped database and decodes the record). The database is built here with
 * 65,536 networks, /24s spread over the IPv4 space.
 */
public class GeoLookupBenchmark extends HotPathBenchmark {

    private Path directory;
    private GeoIpLocator cached;
    private GeoIpLocator uncached;
    private InetAddress hot;
    private InetAddress[] cold;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        directory = Files.createTempDirectory("meridian-geo-bench");
        MmdbWriter writer = MmdbWriter.city();
        for (int i = 0; i < 65_536; i++) {
            int a = 1 + (i >>> 8) % 223;
            int b = i & 0xff;
            writer.add(a + "." + b + ".0.0/24", (i % 170) - 85.0, (i % 360) - 180.0, "US");
        }
        Path database = writer.writeTo(directory.resolve("bench.mmdb"));
        GeoConfig config = GeoConfig.ofDefaults().withDatabase(database);
        cached = GeoIpLocator.open(config);
        uncached = GeoIpLocator.open(config.withCacheSize(0));
        hot = InetAddress.getByName("42.17.0.9");
        cold = new InetAddress[4096];
        for (int i = 0; i < cold.length; i++) {
            cold[i] = InetAddress.getByAddress(new byte[] {(byte) (1 + i % 200), (byte) i, 0, (byte) (i * 7)});
        }
        cached.locate(hot);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cached.close();
        uncached.close();
        try (var files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }

    @Benchmark
    public ClientLocation lookupCached() {
        return cached.locate(hot);
    }

    @Benchmark
    public ClientLocation lookupUncached() {
        InetAddress address = cold[next++ & (cold.length - 1)];
        return uncached.locate(address);
    }
}
