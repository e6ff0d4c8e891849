package dev.meridian.loadtest.proxy;

import dev.meridian.config.MeridianConfig;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.loadtest.gateway.GatewayConfig;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.admin.AdminServer;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A router in process in front of simulated gateways, one per replica of a {@link RouterFixture},
 * all on loopback with ephemeral ports. Started at once ({@link #start}, for try-with-resources),
 * or registered as a JUnit extension ({@link #of}) that starts it before each test and stops it
 * after, or once for the class when the field is static:
 *
 * <pre>{@code
 * @RegisterExtension
 * final ProxyFixture fixture = ProxyFixture.of(RouterFixture.builder().region("us-east4", 1));
 * }</pre>
 *
 * <p>{@link #withAdmin} adds the admin server, as {@code meridian run} starts it: over a
 * configuration file, so that {@code POST /admin/reload} reads what a test writes there.
 */
public final class ProxyFixture implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    /** The region of {@link #oneRegion}: a fixture of one region needs no more than this. */
    public static final String REGION = "us-east4";

    private final Supplier<RouterFixture> fixture;
    private final UnaryOperator<GatewayConfig> gatewayConfig;
    private @Nullable Supplier<Path> adminHome;
    private @Nullable Started started;
    private boolean perClass;

    private record Started(Map<String, List<SimulatedGateway>> gateways, MeridianServer router, MeridianConfig config,
                           @Nullable AdminServer admin, @Nullable Path configFile) {}

    private ProxyFixture(Supplier<RouterFixture> fixture, UnaryOperator<GatewayConfig> gatewayConfig) {
        this.fixture = fixture;
        this.gatewayConfig = gatewayConfig;
    }

    /** {@code replicas} gateways in {@link #REGION}, near New York; add sections and routes to taste. */
    public static RouterFixture.Builder oneRegion(int replicas) {
        return RouterFixture.builder().region(REGION, replicas);
    }

    /** Not started yet: for {@code @RegisterExtension}. */
    public static ProxyFixture of(RouterFixture.Builder fixture) {
        RouterFixture built = fixture.build();
        return new ProxyFixture(() -> built, UnaryOperator.identity());
    }

    /**
     * Not started yet, and the configuration is made at each start: for a fixture that needs what
     * JUnit injects after the extension is made ({@code @TempDir} files).
     */
    public static ProxyFixture of(Supplier<RouterFixture.Builder> fixture) {
        return new ProxyFixture(() -> fixture.get().build(), UnaryOperator.identity());
    }

    /** Not started yet; every gateway's configuration passes through {@code gatewayConfig} first. */
    public static ProxyFixture of(RouterFixture fixture, UnaryOperator<GatewayConfig> gatewayConfig) {
        return new ProxyFixture(() -> fixture, gatewayConfig);
    }

    /** Started now: gateways, then the router. */
    public static ProxyFixture start(RouterFixture.Builder fixture) {
        return of(fixture).start();
    }

    /**
     * With an admin server: at each start the configuration is written to {@code meridian.yaml} in
     * the directory {@code home} gives, the router loads it from there, and an admin server (its
     * section is the fixture's {@code admin:}) serves the router over that file.
     */
    public ProxyFixture withAdmin(Supplier<Path> home) {
        this.adminHome = home;
        return this;
    }

    public ProxyFixture start() {
        if (started != null) {
            throw new IllegalStateException("started already");
        }
        RouterFixture fixture = this.fixture.get();
        Map<String, List<SimulatedGateway>> gateways = new LinkedHashMap<>();
        MeridianServer router = null;
        try {
            for (RouterFixture.Replica replica : fixture.replicas()) {
                gateways.computeIfAbsent(replica.region(), r -> new ArrayList<>())
                        .add(SimulatedGateway.start(gatewayConfig.apply(GatewayConfig.of(replica.name()))));
            }
            Function<RouterFixture.Replica, URI> endpoints = r -> gateways.get(r.region()).get(r.index()).baseUri();
            Supplier<Path> home = adminHome;
            if (home == null) {
                MeridianConfig config = fixture.config(endpoints);
                started = new Started(gateways, MeridianServer.start(config), config, null, null);
                return this;
            }
            Path configFile = home.get().resolve("meridian.yaml");
            Files.writeString(configFile, fixture.yaml(endpoints));
            MeridianConfig config = ConfigLoader.create().load(configFile);
            router = MeridianServer.start(config);
            started = new Started(gateways, router, config, AdminServer.start(router, configFile), configFile);
            return this;
        } catch (IOException e) {
            throw failedStart(router, gateways, new UncheckedIOException(e));
        } catch (RuntimeException e) {
            throw failedStart(router, gateways, e);
        }
    }

    private static RuntimeException failedStart(@Nullable MeridianServer router, Map<String, List<SimulatedGateway>> gateways,
            RuntimeException e) {
        if (router != null) {
            router.close();
        }
        gateways.values().forEach(list -> list.forEach(SimulatedGateway::close));
        return e;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    private Started started() {
        Started now = started;
        if (now == null) {
            throw new IllegalStateException("not started");
        }
        return now;
    }

    public MeridianServer router() {
        return started().router();
    }

    public MeridianConfig config() {
        return started().config();
    }

    public int port() {
        return router().port();
    }

    /** The admin server ({@link #withAdmin}). */
    public AdminServer admin() {
        AdminServer admin = started().admin();
        if (admin == null) {
            throw new IllegalStateException("no admin server: see withAdmin");
        }
        return admin;
    }

    /** The file the router loaded its configuration from ({@link #withAdmin}); a reload reads it again. */
    public Path configFile() {
        Path file = started().configFile();
        if (file == null) {
            throw new IllegalStateException("no configuration file: see withAdmin");
        }
        return file;
    }

    /**
     * The YAML of {@code other} over these gateways (its replica N of a region is this fixture's
     * replica N of that region): a configuration to reload, with regions or replicas left out.
     */
    public String yaml(RouterFixture other) {
        return other.yaml(r -> gateways(r.region()).get(r.index()).baseUri());
    }

    /** Every gateway, region by region. */
    public List<SimulatedGateway> gateways() {
        return started().gateways().values().stream().flatMap(List::stream).toList();
    }

    /** {@code region}'s gateways, replica 1 first. */
    public List<SimulatedGateway> gateways(String region) {
        return started().gateways().getOrDefault(region, List.of());
    }

    /** {@code region}'s first gateway (replica 1): the only one in a region of one replica. */
    public SimulatedGateway gateway(String region) {
        List<SimulatedGateway> replicas = gateways(region);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no gateway in region " + region);
        }
        return replicas.get(0);
    }

    /** The {@code index}-th gateway (from 0) of all of them. */
    public SimulatedGateway gateway(int index) {
        return gateways().get(index);
    }

    public long totalConnectionsAccepted() {
        return gateways().stream().mapToLong(g -> g.stats().connectionsAccepted()).sum();
    }

    public long totalRequests() {
        return gateways().stream().mapToLong(g -> g.stats().requests()).sum();
    }

    @Override
    public void close() {
        Started now = started;
        started = null;
        if (now == null) {
            return;
        }
        try {
            AdminServer admin = now.admin();
            if (admin != null) {
                admin.close();
            }
            now.router().close();
        } finally {
            now.gateways().values().forEach(list -> list.forEach(SimulatedGateway::close));
        }
    }
}
