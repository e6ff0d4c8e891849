package dev.meridian.regions;

import dev.meridian.config.GeoConfig;
import ch.qos.logback.classic.Level;
import dev.meridian.testing.LogCapture;
import dev.meridian.testing.MmdbWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import static dev.meridian.regions.GeoIpLocatorTest.ASIA_NORTHEAST1;
import static dev.meridian.regions.GeoIpLocatorTest.EUROPE_WEST2;
import static dev.meridian.regions.GeoIpLocatorTest.US_EAST4;
import static dev.meridian.regions.GeoIpLocatorTest.ip;
import static dev.meridian.regions.GeoIpLocatorTest.mapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The database file is replaced while the router runs: new answers arrive, and no lookup ever fails. */
class GeoIpLocatorReloadTest {

    private static final InetAddress CLIENT_V4 = ip("192.0.2.10");
    private static final InetAddress CLIENT_V6 = ip("2001:db8:1::10");
    private static final InetAddress CLIENT_MAPPED = mapped("192.0.2.10");
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ExecutorService clients = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopClients() throws InterruptedException {
        clients.shutdownNow();
        assertThat(clients.awaitTermination(10, TimeUnit.SECONDS)).as("client threads stopped").isTrue();
    }

    /** Version 1 places the test client in Ashburn; version 2 moves it to London. */
    private static MmdbWriter version(int version) {
        double[] where = version == 1 ? US_EAST4 : EUROPE_WEST2;
        String country = version == 1 ? "US" : "GB";
        return MmdbWriter.city().buildEpoch(1_700_000_000L + version)
                .add("192.0.2.0/24", where[0], where[1], country)
                .add("2001:db8:1::/48", where[0], where[1], country)
                .add("203.0.113.0/24", ASIA_NORTHEAST1[0], ASIA_NORTHEAST1[1], "JP");
    }

    private GeoConfig config(Path db) {
        return GeoConfig.ofDefaults().withDatabase(db).withReloadInterval(Duration.ofMillis(50));
    }

    @Test
    void replacedFileIsLoadedAndItsAnswersReplaceTheCachedOnes() {
        Path db = version(1).writeTo(dir.resolve("city.mmdb"));

        try (GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("US");
            assertThat(geo.locate(CLIENT_V4)).as("cached").extracting(ClientLocation::countryIsoCode).isEqualTo("US");

            version(2).replace(db);

            await().atMost(BOUND).untilAsserted(() ->
                    assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("GB"));
            assertThat(geo.locate(CLIENT_V4)).isEqualTo(new ClientLocation(EUROPE_WEST2[0], EUROPE_WEST2[1], ClientLocation.Source.GEOIP, "GB"));
            assertThat(geo.locate(CLIENT_V6)).extracting(ClientLocation::countryIsoCode).isEqualTo("GB");
            GeoCacheStats stats = geo.stats();
            assertThat(stats.reloads()).isEqualTo(1);
            assertThat(stats.failedReloads()).isZero();
            assertThat(stats.databaseBuildEpoch()).isEqualTo(1_700_000_002L);
        }
    }

    /**
     * Several threads look up continuously while the file is replaced, back and forth, several
     * times. Every answer must be one of the two versions' answers: never null, never an exception.
     * Without address cache, every lookup reads the reader being swapped; with zero grace, old
     * readers are closed at once, so lookups that started on one are retried on the new one.
     */
    @ParameterizedTest(name = "cache-size {0}, close grace {1} ms")
    @CsvSource({"0, 0", "0, 5000", "100000, 0"})
    void noLookupFailsWhileTheFileIsReplacedUnderConcurrentLookups(long cacheSize, long graceMillis) throws Exception {
        Path db = version(1).writeTo(dir.resolve("city.mmdb"));
        int swaps = 6;
        try (GeoIpLocator geo = GeoIpLocator.open(config(db).withCacheSize(cacheSize), Duration.ofMillis(graceMillis))) {
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicLong lookups = new AtomicLong();
            List<AtomicLong> sawLondon = List.of(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
            CountDownLatch started = new CountDownLatch(4);
            List<Future<?>> running = new ArrayList<>();
            long deadline = System.nanoTime() + BOUND.toNanos();
            for (int t = 0; t < 4; t++) {
                InetAddress client = t % 3 == 0 ? CLIENT_V4 : t % 3 == 1 ? CLIENT_V6 : CLIENT_MAPPED;
                AtomicLong london = sawLondon.get(t);
                running.add(clients.submit(() -> {
                    started.countDown();
                    // Bounded: stops when told, after 20 million lookups, or at the deadline.
                    for (int i = 0; i < 20_000_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                        try {
                            ClientLocation location = geo.locate(client);
                            lookups.incrementAndGet();
                            if (location == null) {
                                failures.add("null for " + client.getHostAddress());
                            } else if ("GB".equals(location.countryIsoCode())) {
                                london.incrementAndGet();
                            } else if (!"US".equals(location.countryIsoCode())) {
                                failures.add("unexpected " + location);
                            }
                        } catch (RuntimeException e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            assertThat(started.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            for (int swap = 1; swap <= swaps; swap++) {
                int version = swap % 2 == 1 ? 2 : 1;
                long reloadsBefore = geo.stats().reloads();
                version(version).replace(db);
                await().atMost(BOUND).until(() -> geo.stats().reloads() > reloadsBefore);
            }
            version(2).replace(db);
            await().atMost(BOUND).untilAsserted(() -> assertThat(sawLondon).allSatisfy(n -> assertThat(n.get()).isPositive()));
            stop.set(true);
            for (Future<?> f : running) {
                f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }

            assertThat(failures).as("lookups that returned null, a wrong answer or threw").isEmpty();
            assertThat(lookups.get()).isGreaterThan(1000);
            assertThat(geo.stats().reloads()).isEqualTo(swaps + 1);
            assertThat(geo.stats().failedLookups()).isZero();
            assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("GB");
        }
    }

    @Test
    void corruptReplacementIsRefusedOnceAndTheOldDatabaseKeepsAnswering() throws Exception {
        Path db = version(1).writeTo(dir.resolve("city.mmdb"));

        try (LogCapture log = LogCapture.of(GeoIpLocator.class); GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            byte[] valid = version(2).toBytes();
            Path temp = Files.write(dir.resolve("city.mmdb.tmp"), Arrays.copyOf(valid, valid.length / 2));
            Files.move(temp, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            await().atMost(BOUND).until(() -> geo.stats().failedReloads() == 1);
            assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("US");
            assertThat(geo.locate(ip("203.0.113.5"))).extracting(ClientLocation::countryIsoCode).isEqualTo("JP");
            // Several more checks (every 50ms) pass over the same refused file: still one count, one line.
            await().during(Duration.ofMillis(300)).atMost(BOUND).until(() -> geo.stats().failedReloads() == 1);
            assertThat(geo.stats().reloads()).isZero();
            assertThat(log.lines(Level.WARN)).singleElement().asString()
                    .startsWith("WARN GeoIP database " + db + ": not a MaxMind DB file (")
                    .contains("refused the new version, still answering from the database built 2023-11-14T22:13:21Z");

            version(2).replace(db); // a good file after a bad one is loaded
            await().atMost(BOUND).untilAsserted(() ->
                    assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("GB"));
            assertThat(geo.stats().reloads()).isEqualTo(1);
        }
    }

    @Test
    void replacementOfAnotherKindIsRefused() {
        Path db = version(1).writeTo(dir.resolve("city.mmdb"));

        try (LogCapture log = LogCapture.of(GeoIpLocator.class); GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            version(2).databaseType("GeoLite2-ASN").replace(db);

            await().atMost(BOUND).until(() -> geo.stats().failedReloads() == 1);
            assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("US");
            assertThat(log.lines(Level.WARN)).singleElement().asString()
                    .contains(": a GeoLite2-ASN database, not a City database");
        }
    }

    @Test
    void deletedFileIsReportedOnceAndTheLoadedDatabaseKeepsAnswering() throws Exception {
        Path db = version(1).writeTo(dir.resolve("city.mmdb"));

        try (LogCapture log = LogCapture.of(GeoIpLocator.class); GeoIpLocator geo = GeoIpLocator.open(config(db))) {
            Files.delete(db);

            await().atMost(BOUND).until(() -> !log.lines(Level.WARN).isEmpty());
            assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("US");
            await().during(Duration.ofMillis(300)).atMost(BOUND).until(() -> log.lines(Level.WARN).size() == 1);
            assertThat(log.lines(Level.WARN)).containsExactly("WARN GeoIP database " + db
                    + ": the file is gone; still answering from " + db + " (GeoLite2-City, built 2023-11-14T22:13:21Z)");

            version(2).replace(db); // and comes back
            await().atMost(BOUND).untilAsserted(() ->
                    assertThat(geo.locate(CLIENT_V4)).extracting(ClientLocation::countryIsoCode).isEqualTo("GB"));
        }
    }
}
