package dev.meridian.testing;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The configuration of a router under test, written once: regions × replicas × routes, plus the
 * top-level sections a test changes (TLS listener, server limits, health, geo, admin, fleet).
 * Everything else is the product's default, except two test-friendly choices: the listener is
 * {@code 127.0.0.1} on an ephemeral port, and active probes are off (they would add their own
 * requests and connections to what tests count) until {@link Builder#health} says otherwise.
 *
 * <p>It describes the router only. The module that runs it starts one upstream per
 * {@link #replicas() replica} (simulated gateways in loadtest, {@code TestUpstream}s in the router's
 * tests) and hands their addresses to {@link #config(Function)}.
 *
 * <pre>{@code
 * RouterFixture fixture = RouterFixture.builder()
 *         .region("us-east4", 2)
 *         .region("europe-west2", 1, "weight: 50")
 *         .route("completions", "/v2/code/completions", "retry: {max-attempts: 3, non-idempotent: true}")
 *         .set("server", "{max-connections-per-ip: 0}")
 *         .build();
 * for (RouterFixture.Replica replica : fixture.replicas()) { ... start an upstream named replica.name() ... }
 * MeridianConfig config = fixture.config(replica -> upstreams.get(replica.name()).uri());
 * }</pre>
 */
public final class RouterFixture {

    /** The header tests send a client location in; {@link Builder#locationHeader()} trusts it from loopback. */
    public static final String LOCATION_HEADER = "X-Client-Geo-Location";
    /** A client location for {@link #LOCATION_HEADER}: nearest {@code us-east4}, then {@code us-east1}. */
    public static final String NEW_YORK = "40.71,-74.01";

    /** Where the regions tests name are, so that tests need not repeat it (Google Cloud's regions). */
    private static final Map<String, String> LOCATIONS = Map.of(
            "us-east4", "{lat: 39.04, lon: -77.49}",
            "us-east1", "{lat: 33.20, lon: -80.01}",
            "us-central1", "{lat: 41.26, lon: -95.86}",
            "europe-west2", "{lat: 51.51, lon: -0.13}",
            "asia-northeast1", "{lat: 35.69, lon: 139.69}");

    /**
     * One upstream the router's configuration expects: the {@code index}-th (from 0) of
     * {@code region}'s replicas.
     */
    public record Replica(String region, int index) {

        public Replica {
            requireNonNull(region, "region");
        }

        /** {@code REGION-N}, counting from 1: {@code us-east4-1}. */
        public String name() {
            return region + "-" + (index + 1);
        }
    }

    /**
     * One region: {@code replicas} upstreams the runner starts, after {@code fixedEndpoints};
     * {@code keys} are further {@code key: value} lines of it ({@code "weight: 50"}).
     */
    public record Region(String name, int replicas, List<String> fixedEndpoints, List<String> keys) {

        public Region {
            requireNonNull(name, "name");
            if (replicas < 0) {
                throw new IllegalArgumentException("replicas: " + replicas + " (expected: 0 or more)");
            }
            fixedEndpoints = List.copyOf(fixedEndpoints);
            keys = List.copyOf(keys);
        }

        /** A region of {@code replicas} upstreams that the runner starts. */
        public static Region replicas(String name, int replicas, String... keys) {
            return new Region(name, replicas, List.of(), List.of(keys));
        }

        /** A region whose endpoints are given (upstreams the test runs itself, names, closed ports). */
        public static Region at(String name, List<?> endpoints, String... keys) {
            return new Region(name, 0, endpoints.stream().map(String::valueOf).toList(), List.of(keys));
        }
    }

    private final Map<String, List<String>> sections;
    private final List<Region> regions;
    private final List<List<String>> routes;

    private RouterFixture(Builder builder) {
        this.sections = new LinkedHashMap<>(builder.sections);
        this.regions = List.copyOf(builder.regions);
        this.routes = List.copyOf(builder.routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The upstreams to start, region by region in configuration order. */
    public List<Replica> replicas() {
        List<Replica> replicas = new ArrayList<>();
        for (Region region : regions) {
            for (int i = 0; i < region.replicas(); i++) {
                replicas.add(new Replica(region.name(), i));
            }
        }
        return replicas;
    }

    /** The YAML text, each replica's endpoint being {@code endpoints.apply(replica)}. */
    public String yaml(Function<Replica, URI> endpoints) {
        StringBuilder yaml = new StringBuilder();
        sections.forEach((key, lines) -> appendSection(yaml, key, lines));
        if (!regions.isEmpty()) {
            yaml.append("regions:\n");
            for (Region region : regions) {
                List<String> uris = new ArrayList<>(region.fixedEndpoints());
                for (int i = 0; i < region.replicas(); i++) {
                    uris.add(endpoints.apply(new Replica(region.name(), i)).toString());
                }
                yaml.append("  - name: ").append(region.name()).append('\n');
                String location = LOCATIONS.get(region.name());
                if (location != null && region.keys().stream().noneMatch(k -> k.startsWith("location:"))) {
                    yaml.append("    location: ").append(location).append('\n');
                }
                yaml.append("    endpoints: [");
                for (int i = 0; i < uris.size(); i++) {
                    yaml.append(i == 0 ? "" : ", ").append('"').append(uris.get(i)).append('"');
                }
                yaml.append("]\n");
                region.keys().forEach(key -> yaml.append("    ").append(key).append('\n'));
            }
        }
        if (!routes.isEmpty()) {
            yaml.append("routes:\n");
            for (List<String> route : routes) {
                for (int i = 0; i < route.size(); i++) {
                    yaml.append(i == 0 ? "  - " : "    ").append(route.get(i)).append('\n');
                }
            }
        }
        return yaml.toString();
    }

    /** The YAML text of a fixture without replicas (every region has fixed endpoints). */
    public String yaml() {
        return yaml(RouterFixture::noReplicas);
    }

    /** {@link #yaml(Function)}, loaded as the router would load it (validated against the schema). */
    public MeridianConfig config(Function<Replica, URI> endpoints) {
        return ConfigLoader.create().parse(yaml(endpoints), "router-fixture.yaml");
    }

    /** {@link #yaml()}, loaded as the router would load it. */
    public MeridianConfig config() {
        return config(RouterFixture::noReplicas);
    }

    @Override
    public String toString() {
        return yaml(replica -> URI.create("http://" + replica.name()));
    }

    private static URI noReplicas(Replica replica) {
        throw new IllegalStateException("the fixture has replicas: pass their endpoints (" + replica.name() + ")");
    }

    /** {@code key: value} on one line, or {@code key:} and its lines indented under it. */
    private static void appendSection(StringBuilder yaml, String key, List<String> lines) {
        if (lines.size() == 1 && !isMappingLine(lines.get(0))) {
            yaml.append(key).append(": ").append(lines.get(0)).append('\n');
            return;
        }
        yaml.append(key).append(":\n");
        for (String line : lines) {
            yaml.append("  ").append(line).append('\n');
        }
    }

    /** {@code probe: {...}} is a line of a block mapping; {@code {probe: ...}} or a scalar is a value. */
    private static boolean isMappingLine(String line) {
        char first = line.isEmpty() ? ' ' : line.charAt(0);
        return first != '{' && first != '[' && first != '"' && first != '\'' && line.contains(": ");
    }

    /** What to write; see {@link RouterFixture}. */
    public static final class Builder {
        private final Map<String, List<String>> sections = new LinkedHashMap<>();
        private final List<Region> regions = new ArrayList<>();
        private final List<List<String>> routes = new ArrayList<>();

        private Builder() {
            sections.put("listen", List.of("{address: 127.0.0.1, port: 0}"));
            sections.put("health", List.of("{probe: {enabled: false}}"));
        }

        /**
         * The top-level section {@code key}, replacing what was set before: one value
         * ({@code "{max-connections-per-ip: 0}"}, {@code "[a, b]"}, a scalar) or the lines of a
         * block mapping ({@code "probe: {interval: 500ms}", "breaker: {open-duration: 1s}"}).
         */
        public Builder set(String key, String... lines) {
            requireNonNull(key, "key");
            if (lines.length == 0) {
                throw new IllegalArgumentException(key + ": no value");
            }
            if (key.equals("regions") || key.equals("routes")) {
                throw new IllegalArgumentException(key + ": use region(...) and route(...)");
            }
            sections.put(key, List.of(lines));
            return this;
        }

        /** Leaves the top-level section {@code key} out (the product's default applies). */
        public Builder unset(String key) {
            sections.remove(key);
            return this;
        }

        /** The {@code health:} section (probes are off until this is called); see {@link #set}. */
        public Builder health(String... lines) {
            return set("health", lines);
        }

        /** The {@code server:} section; see {@link #set}. */
        public Builder server(String... lines) {
            return set("server", lines);
        }

        /** A TLS listener on loopback with {@code certificate} and {@code key} (PEM files) and {@code more} TLS keys. */
        public Builder tls(Path certificate, Path key, String... more) {
            StringBuilder tls = new StringBuilder("{certificate: '").append(certificate).append("', key: '").append(key).append('\'');
            for (String entry : more) {
                tls.append(", ").append(entry);
            }
            return set("listen", "{address: 127.0.0.1, port: 0, tls: " + tls + "}}");
        }

        /** Client locations come in {@link #LOCATION_HEADER}, believed from loopback. */
        public Builder locationHeader() {
            return set("geo", "{trusted-proxies: [127.0.0.1/32], location-headers: [" + LOCATION_HEADER + "]}");
        }

        /** The fleet's admin state in etcd at {@code endpoints} under {@code prefix}, with short timeouts. */
        public Builder fleet(List<String> endpoints, String prefix, String... more) {
            List<String> lines = new ArrayList<>();
            lines.add("etcd:");
            lines.add("  endpoints: [" + quoted(endpoints) + "]");
            lines.add("  prefix: " + prefix);
            lines.add("  timeouts: {connect: 1s, request: 1s}");
            for (String line : more) {
                lines.add("  " + line);
            }
            return set("fleet", lines.toArray(String[]::new));
        }

        /**
         * A region of {@code replicas} upstreams that the runner starts, at its known location
         * (for the regions in {@link RouterFixture}'s table) unless {@code keys} set one;
         * {@code keys} are further {@code key: value} lines of the region ({@code "weight: 50"},
         * {@code "protocol: h2c"}).
         */
        public Builder region(String name, int replicas, String... keys) {
            return regions(Region.replicas(name, replicas, keys));
        }

        /** A region whose endpoints are given (upstreams the test runs itself, names, closed ports). */
        public Builder regionAt(String name, List<?> endpoints, String... keys) {
            return regions(Region.at(name, endpoints, keys));
        }

        /** {@code more} regions, after the regions added so far. */
        public Builder regions(Region... more) {
            for (Region region : more) {
                regions.add(requireNonNull(region, "region"));
            }
            return this;
        }

        /** A route: {@code name}, {@code pathPrefix} and further {@code key: value} lines ({@code "grpc: true"}). */
        public Builder route(String name, String pathPrefix, String... keys) {
            List<String> lines = new ArrayList<>();
            lines.add("name: " + requireNonNull(name, "name"));
            lines.add("path-prefix: " + requireNonNull(pathPrefix, "pathPrefix"));
            lines.addAll(List.of(keys));
            routes.add(lines);
            return this;
        }

        public RouterFixture build() {
            return new RouterFixture(this);
        }

        private static String quoted(List<String> values) {
            StringBuilder out = new StringBuilder();
            for (String value : values) {
                out.append(out.length() == 0 ? "" : ", ").append('"').append(value).append('"');
            }
            return out.toString();
        }
    }
}
