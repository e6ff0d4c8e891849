package dev.meridian.config.loading;

import dev.meridian.config.AccessLogConfig;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.ApdexConfig;
import dev.meridian.config.BreakerConfig;
import dev.meridian.config.CidrRange;
import dev.meridian.config.ConfigDefaults;
import dev.meridian.config.ControllerMode;
import dev.meridian.config.DnsConfig;
import dev.meridian.config.EtcdConfig;
import dev.meridian.config.EtcdTlsConfig;
import dev.meridian.config.FleetConfig;
import dev.meridian.config.GeoConfig;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.HealthConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.Http2Config;
import dev.meridian.config.ListenConfig;
import dev.meridian.config.LookupFamily;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.config.PanicMode;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.ProbeKind;
import dev.meridian.config.RateLimitConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.RoutingMode;
import dev.meridian.config.ServerConfig;
import dev.meridian.config.SloControllerConfig;
import dev.meridian.config.StallConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.config.TlsConfig;
import dev.meridian.config.TlsProvider;
import dev.meridian.config.Transport;
import dev.meridian.config.UpstreamConfig;
import dev.meridian.config.UpstreamProtocol;
import dev.meridian.config.UpstreamTlsConfig;
import dev.meridian.config.loading.Section.Text;
import dev.meridian.config.syntax.DurationText;
import dev.meridian.config.syntax.EndpointUri;
import dev.meridian.config.syntax.InetLiteral;
import dev.meridian.config.syntax.NameRule;
import dev.meridian.config.syntax.PathPrefixRule;
import dev.meridian.config.syntax.QuotedText;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Binds a schema-checked {@link SourceTree} to {@link MeridianConfig} one section at a time,
 * applying defaults and the checks a schema cannot express: durations and sizes that mean
 * something, URLs, CIDR ranges, IP literals, names, and uniqueness across list items (regions,
 * endpoints, routes, tokens).
 *
 * <p>It reads defensively: a value of the wrong type is skipped here (the schema has reported it)
 * and binding carries on, so that one run reports every problem. A configuration is returned only
 * when no problem was found at all.
 */
final class ConfigBinder {

    private final SourceTree tree;
    private final Problems problems;
    private final Section root;

    private ConfigBinder(SourceTree tree, Problems problems) {
        this.tree = tree;
        this.problems = problems;
        this.root = Section.root(tree, problems);
    }

    /**
     * Binds {@code tree}; every problem found goes to {@code problems}.
     *
     * @return the configuration, or {@code null} when {@code problems} is not empty afterwards
     */
    public static @Nullable MeridianConfig bind(SourceTree tree, Problems problems) {
        return new ConfigBinder(tree, problems).bind();
    }

    private @Nullable MeridianConfig bind() {
        ListenConfig listen = listen(root.section("listen"));
        ServerConfig server = server(root.section("server"));
        UpstreamConfig upstream = upstream(root.section("upstream"));
        DnsConfig dns = dns(root.section("dns"));
        TimeoutConfig timeouts = timeouts(root.section("timeouts"));
        AdminConfig admin = admin(root.section("admin"));
        checkPorts(listen, admin);
        FleetConfig fleet = fleet(root.section("fleet").section("etcd"),
                admin != null ? admin.stateFile() : ConfigDefaults.ADMIN_STATE_FILE);
        GeoConfig geo = geo(root.section("geo"));
        RoutingConfig routing = routing(root.section("routing"));
        HealthConfig health = health(root.section("health"));
        RetriesConfig retries = retries(root.section("retries"));
        AccessLogConfig accessLog = accessLog(root.section("access-log"));
        List<RegionConfig> regions = regions(root);
        List<RouteConfig> routes = routes(root, timeouts);
        SloControllerConfig sloController = sloController(root.section("slo-controller"));
        if (!problems.isEmpty()) {
            return null;
        }
        return build(() -> new MeridianConfig(listen, server, upstream, timeouts, admin, geo, routing, health, retries, accessLog,
                regions, routes, fleet, dns, sloController));
    }

    /**
     * The record {@code constructor} makes, or {@code null} when it refuses the values: they carry
     * a problem reported while reading them (a required value missing, bounds out of order). A
     * refusal without a reported problem means the checks here and the records' drifted apart.
     */
    private <T> @Nullable T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            if (problems.isEmpty()) {
                report(KeyPath.ROOT, "invalid configuration: " + e.getMessage());
            }
            return null;
        }
    }

    private void report(KeyPath at, String message) {
        root.report(at, message);
    }

    // ---- the listeners and the server ----

    private @Nullable ListenConfig listen(Section listen) {
        String address = listen.address("address", ConfigDefaults.LISTEN_ADDRESS);
        int port = listen.integer("port", ConfigDefaults.LISTEN_PORT);
        boolean proxyProtocol = listen.bool("proxy-protocol", ConfigDefaults.PROXY_PROTOCOL);
        TlsConfig tls = tls(listen.section("tls"));
        return build(() -> new ListenConfig(address, port, proxyProtocol, tls));
    }

    private @Nullable ServerConfig server(Section server) {
        int eventLoops = server.integer("event-loops", ConfigDefaults.EVENT_LOOPS);
        Transport transport = server.choice("transport", Transport.values(), Transport::configName, ConfigDefaults.TRANSPORT);
        int maxInitialLineLength = (int) server.size("max-initial-line-length", ConfigDefaults.MAX_INITIAL_LINE_LENGTH, 1, Integer.MAX_VALUE);
        int maxHeaderSize = (int) server.size("max-header-size", ConfigDefaults.MAX_HEADER_SIZE, 1, Integer.MAX_VALUE);
        long maxRequestBody = server.size("max-request-body", ConfigDefaults.MAX_REQUEST_BODY, 0, Long.MAX_VALUE);
        Duration clientIdleTimeout = server.duration("client-idle-timeout", ConfigDefaults.CLIENT_IDLE_TIMEOUT, false);
        Duration shutdownGrace = server.duration("shutdown-grace", ConfigDefaults.SHUTDOWN_GRACE, true);
        boolean regionHeader = server.bool("region-header", ConfigDefaults.REGION_HEADER);
        Duration requestHeadTimeout = server.duration("request-head-timeout", ConfigDefaults.REQUEST_HEAD_TIMEOUT, false);
        Duration requestBodyTimeout = server.duration("request-body-timeout", ConfigDefaults.REQUEST_BODY_TIMEOUT, false);
        int maxConnections = server.integer("max-connections", ConfigDefaults.MAX_CONNECTIONS);
        int maxConnectionsPerIp = server.integer("max-connections-per-ip", ConfigDefaults.MAX_CONNECTIONS_PER_IP);
        int maxPipelinedRequests = server.integer("max-pipelined-requests", ConfigDefaults.MAX_PIPELINED_REQUESTS);
        List<String> hosts = hosts(server);
        Section http2 = server.section("http2");
        boolean http2Enabled = http2.bool("enabled", ConfigDefaults.HTTP2_ENABLED);
        int maxStreams = http2.integer("max-concurrent-streams", ConfigDefaults.HTTP2_MAX_CONCURRENT_STREAMS);
        int initialWindow = http2.integer("initial-window-size", ConfigDefaults.HTTP2_INITIAL_WINDOW_SIZE);
        int maxResets = http2.integer("max-resets-per-second", ConfigDefaults.HTTP2_MAX_RESETS_PER_SECOND);
        return build(() -> new ServerConfig(eventLoops, transport, maxInitialLineLength, maxHeaderSize, maxRequestBody,
                clientIdleTimeout, shutdownGrace, regionHeader, requestHeadTimeout, requestBodyTimeout, maxConnections,
                maxConnectionsPerIp, maxPipelinedRequests, hosts, new Http2Config(http2Enabled, maxStreams, initialWindow, maxResets)));
    }

    /** {@code server.hosts}: lowercase host names, no duplicates. */
    private List<String> hosts(Section server) {
        if (!server.isList("hosts")) {
            return ConfigDefaults.HOSTS;
        }
        return distinctItems(server, "hosts", host -> host.toLowerCase(Locale.ROOT), Function.identity(), new HashMap<>(),
                (item, first) -> "duplicate host " + QuotedText.of(item.value()) + " (host names ignore case)");
    }

    /** A listener's TLS section, or {@code null} when absent or reported (certificate and key are required by the schema). */
    private @Nullable TlsConfig tls(Section tls) {
        if (!tls.isPresent()) {
            return null;
        }
        Path certificate = tls.file("certificate");
        Path key = tls.file("key");
        Path clientCa = tls.file("client-ca");
        List<String> protocols = ConfigDefaults.TLS_PROTOCOLS;
        if (tls.isList("protocols")) {
            protocols = tls.texts("protocols").stream().map(Text::value).distinct().toList();
        }
        TlsProvider provider = tls.choice("provider", TlsProvider.values(), TlsProvider::configName, ConfigDefaults.TLS_PROVIDER);
        Duration reload = tls.duration("reload-interval", ConfigDefaults.TLS_RELOAD_INTERVAL, false);
        if (!tls.atLeast("reload-interval", reload, TlsConfig.MIN_RELOAD_INTERVAL)
                || certificate == null || key == null || protocols.isEmpty()) {
            return null; // reported here, by the schema or by file()
        }
        List<String> chosen = protocols;
        return build(() -> new TlsConfig(certificate, key, clientCa, chosen, provider, reload));
    }

    private @Nullable UpstreamConfig upstream(Section upstream) {
        int maxConnections = upstream.integer("max-connections-per-endpoint", ConfigDefaults.MAX_CONNECTIONS_PER_ENDPOINT);
        int maxPending = upstream.integer("max-pending-acquires", ConfigDefaults.MAX_PENDING_ACQUIRES);
        Duration idle = upstream.duration("idle-timeout", ConfigDefaults.UPSTREAM_IDLE_TIMEOUT, false);
        return build(() -> new UpstreamConfig(maxConnections, maxPending, idle));
    }

    private @Nullable TimeoutConfig timeouts(Section timeouts) {
        Duration connect = timeouts.duration("connect", ConfigDefaults.CONNECT_TIMEOUT, false);
        Duration firstByte = timeouts.duration("first-byte", ConfigDefaults.FIRST_BYTE_TIMEOUT, false);
        Duration idle = timeouts.duration("idle", ConfigDefaults.IDLE_TIMEOUT, false);
        Duration total = timeouts.duration("total", ConfigDefaults.TOTAL_TIMEOUT, false);
        return build(() -> new TimeoutConfig(connect, firstByte, idle, total));
    }

    // ---- dns ----

    /** {@code dns}: servers as IP literals with optional ports, refresh bounds that make sense together. */
    private @Nullable DnsConfig dns(Section dns) {
        List<InetSocketAddress> servers = distinctItems(dns, "servers", ConfigBinder::dnsServer,
                server -> InetLiteral.format(server.getAddress()) + "#" + server.getPort(), new HashMap<>(),
                (item, first) -> "duplicate DNS server " + QuotedText.of(item.value()) + " (first listed at " + first + ")");
        Duration minRefresh = dns.duration("min-refresh", ConfigDefaults.DNS_MIN_REFRESH, false);
        Duration maxRefresh = dns.duration("max-refresh", ConfigDefaults.DNS_MAX_REFRESH, false);
        Duration queryTimeout = dns.duration("query-timeout", ConfigDefaults.DNS_QUERY_TIMEOUT, false);
        LookupFamily family = dns.choice("lookup-family", LookupFamily.values(), LookupFamily::configName,
                ConfigDefaults.DNS_LOOKUP_FAMILY);
        if (!dns.atLeast("min-refresh", minRefresh, DnsConfig.MIN_REFRESH_FLOOR)) {
            minRefresh = DnsConfig.MIN_REFRESH_FLOOR;
        }
        Duration min = minRefresh;
        Duration max = dns.inOrder("min-refresh", minRefresh, "max-refresh", maxRefresh) ? maxRefresh : minRefresh;
        return build(() -> new DnsConfig(servers, min, max, queryTimeout, family));
    }

    /** A DNS server: an IP address literal with an optional port (53 by default). */
    private static InetSocketAddress dnsServer(String text) {
        InetSocketAddress server = InetLiteral.parseSocketAddress(text, 53);
        if (server == null || server.getPort() < 1) {
            throw new IllegalArgumentException(QuotedText.of(text)
                    + " is not a DNS server address (expected an IP address with an optional port, e.g. 10.0.0.2, "
                    + "10.0.0.2:53, [fd00::2]:53; host names are not resolved)");
        }
        return server;
    }

    // ---- slo-controller ----

    /** {@code slo-controller}: windows, cool-down and interval that make sense together, percentages in range. */
    private @Nullable SloControllerConfig sloController(Section controller) {
        // YAML 1.1 reads an unquoted off as false: the schema allows it, and it means off.
        ControllerMode mode = controller.isBoolean("mode") ? ControllerMode.OFF
                : controller.choice("mode", ControllerMode.values(), ControllerMode::configName, ConfigDefaults.CONTROLLER_MODE);
        Section windows = controller.section("windows");
        Duration shortWindow = windows.duration("short", ConfigDefaults.CONTROLLER_SHORT_WINDOW, false);
        Duration longWindow = windows.duration("long", ConfigDefaults.CONTROLLER_LONG_WINDOW, false);
        Duration coolDown = controller.duration("cool-down", ConfigDefaults.CONTROLLER_COOL_DOWN, false);
        Duration interval = controller.duration("interval", ConfigDefaults.CONTROLLER_INTERVAL, false);
        if (!controller.atLeast("interval", interval, SloControllerConfig.MIN_INTERVAL)) {
            interval = SloControllerConfig.MIN_INTERVAL;
        }
        if (shortWindow.compareTo(interval) < 0) {
            controller.report(windows.has("short") ? windows.path("short") : controller.path("interval"),
                    "windows.short (" + DurationText.format(shortWindow) + ") is shorter than interval ("
                            + DurationText.format(interval) + "); expected a window of several intervals");
        }
        if (longWindow.compareTo(SloControllerConfig.MAX_WINDOW) > 0) {
            windows.report("long", windows.describe("long") + " is too long (expected at most "
                    + DurationText.format(SloControllerConfig.MAX_WINDOW) + ")");
        } else if (longWindow.compareTo(shortWindow) <= 0) {
            windows.report(windows.has("long") ? "long" : "short", "windows.long (" + DurationText.format(longWindow)
                    + ") is not longer than windows.short (" + DurationText.format(shortWindow) + ")");
        }
        Section objectives = controller.section("objectives");
        double availability = objectives.percent("availability", ConfigDefaults.CONTROLLER_AVAILABILITY, false);
        double apdex = objectives.percent("apdex", ConfigDefaults.CONTROLLER_APDEX, false);
        double burnThreshold = controller.number("burn-threshold", ConfigDefaults.CONTROLLER_BURN_THRESHOLD, 1,
                SloControllerConfig.MAX_BURN_THRESHOLD, false);
        double step = controller.percent("step", ConfigDefaults.CONTROLLER_STEP, false);
        double floor = controller.percent("floor", ConfigDefaults.CONTROLLER_FLOOR, true);
        int minAttempts = controller.integer("min-attempts", ConfigDefaults.CONTROLLER_MIN_ATTEMPTS);
        Duration every = interval;
        return build(() -> new SloControllerConfig(mode, shortWindow, longWindow, availability, apdex, burnThreshold, step, floor,
                coolDown, every, minAttempts));
    }

    // ---- admin and fleet ----

    private @Nullable AdminConfig admin(Section admin) {
        String address = admin.address("address", ConfigDefaults.ADMIN_ADDRESS);
        int port = admin.integer("port", ConfigDefaults.ADMIN_PORT);
        List<AdminToken> tokens = tokens(admin);
        Path tokenFile = admin.file("token-file");
        Path stateFile = Objects.requireNonNullElse(admin.file("state-file"), ConfigDefaults.ADMIN_STATE_FILE);
        Path auditFile = Objects.requireNonNullElse(admin.file("audit-file"), ConfigDefaults.ADMIN_AUDIT_FILE);
        boolean allowInsecure = admin.bool("allow-insecure", ConfigDefaults.ADMIN_ALLOW_INSECURE);
        long maxBody = admin.size("max-request-body", ConfigDefaults.ADMIN_MAX_REQUEST_BODY, 1, AdminConfig.MAX_REQUEST_BODY_LIMIT);
        TlsConfig tls = tls(admin.section("tls"));
        return build(() -> new AdminConfig(address, port, tokens, tokenFile, stateFile, auditFile, allowInsecure, (int) maxBody, tls));
    }

    private List<AdminToken> tokens(Section admin) {
        if (!admin.isList("tokens")) {
            return ConfigDefaults.ADMIN_TOKENS;
        }
        List<AdminToken> out = new ArrayList<>();
        Map<String, KeyPath> names = new HashMap<>();
        Map<String, KeyPath> secrets = new HashMap<>();
        for (Section item : admin.items("tokens")) {
            String name = item.parsed("name", NameRule.NAME::check);
            if (name != null) {
                unique(names, name, item.path("name"), "token name");
            }
            String secret = secret(item, secrets);
            AdminToken.Scope scope = item.choice("scope", AdminToken.Scope.values(), s -> s.name().toLowerCase(Locale.ROOT),
                    ConfigDefaults.ADMIN_TOKEN_SCOPE);
            if (name != null && secret != null) {
                out.add(new AdminToken(name, secret, scope));
            }
        }
        return out;
    }

    /** A token's secret: not empty, no whitespace, not shared with another token. */
    private @Nullable String secret(Section item, Map<String, KeyPath> secrets) {
        String text = item.text("token");
        if (text == null) {
            return null;
        }
        if (text.isEmpty()) {
            item.report("token", "empty token (expected a secret, e.g. \"${MERIDIAN_ADMIN_TOKEN}\")");
            return null;
        }
        if (text.chars().anyMatch(Character::isWhitespace)) {
            item.report("token", "the token contains whitespace (expected a secret without whitespace; it is sent in an HTTP header)");
            return null;
        }
        KeyPath first = secrets.putIfAbsent(text, item.path("token"));
        if (first != null) {
            item.report("token", "the same token as " + first + " (expected one secret per token)");
        }
        return text;
    }

    private void checkPorts(@Nullable ListenConfig listen, @Nullable AdminConfig admin) {
        if (listen == null || admin == null || !InetLiteral.bindingsClash(listen.address(), listen.port(), admin.address(), admin.port())) {
            return;
        }
        KeyPath adminPort = KeyPath.of("admin", "port");
        KeyPath listenPort = KeyPath.of("listen", "port");
        if (tree.valueMarks().containsKey(adminPort) || !tree.valueMarks().containsKey(listenPort)) {
            report(adminPort, admin.port() + " is also listen.port on an overlapping address (expected a different port)");
        } else {
            report(listenPort, listen.port() + " is also admin.port on an overlapping address (expected a different port)");
        }
    }

    /** {@code fleet.etcd}: member URLs with explicit ports, a well-formed prefix, TLS only towards https:// members. */
    private FleetConfig fleet(Section etcd, Path stateFile) {
        if (!etcd.isPresent()) {
            return FleetConfig.NONE;
        }
        List<URI> endpoints = distinctItems(etcd, "endpoints", ConfigBinder::etcdEndpoint, Function.identity(), new HashMap<>(),
                (item, first) -> "duplicate etcd endpoint " + QuotedText.of(item.value()) + " (first listed at " + first + ")");
        if (endpoints.stream().map(URI::getScheme).distinct().count() > 1) {
            etcd.report("endpoints",
                    "mixes http:// and https:// members (expected one scheme for all: the client uses TLS with every member or with none)");
        }
        String prefix = Objects.requireNonNullElse(etcd.parsed("prefix", text -> {
            EtcdConfig.checkPrefix(text);
            return text;
        }), ConfigDefaults.ETCD_PREFIX);
        EtcdTlsConfig tls = etcdTls(etcd.section("tls"), endpoints);
        String username = etcd.text("username");
        String password = etcd.text("password");
        if ((username == null) != (password == null)) {
            etcd.report(username != null ? "username" : "password", "username and password go together (expected both, or neither)");
        }
        Section timeouts = etcd.section("timeouts");
        Duration connect = timeouts.duration("connect", ConfigDefaults.ETCD_CONNECT_TIMEOUT, false);
        Duration request = timeouts.duration("request", ConfigDefaults.ETCD_REQUEST_TIMEOUT, false);
        Path cacheFile = Objects.requireNonNullElse(etcd.file("cache-file"), stateFile.resolveSibling(ConfigDefaults.ETCD_CACHE_FILE));
        if (endpoints.isEmpty() || (username == null) != (password == null)) {
            return FleetConfig.NONE; // reported above or by the schema; no config is built
        }
        EtcdConfig config = build(() -> new EtcdConfig(endpoints, prefix, tls, username, password, connect, request, cacheFile));
        return config != null ? new FleetConfig(config) : FleetConfig.NONE;
    }

    /** An etcd member: an endpoint URL with an explicit port. */
    private static URI etcdEndpoint(String text) {
        URI uri = EndpointUri.parse(text);
        if (URI.create(text).getPort() < 0) {
            throw new IllegalArgumentException(QuotedText.of(text)
                    + " has no port (expected e.g. http://10.0.0.5:2379; etcd's client port is 2379 by default)");
        }
        EtcdConfig.checkEndpoint(uri);
        return uri;
    }

    private @Nullable EtcdTlsConfig etcdTls(Section tls, List<URI> endpoints) {
        if (!tls.isPresent()) {
            return null;
        }
        EtcdTlsConfig config = null;
        Path ca = tls.file("ca");
        Path certificate = tls.file("certificate");
        Path key = tls.file("key");
        if (tls.has("certificate") != tls.has("key")) {
            report(tls.path(), "certificate and key go together (expected both, for a client certificate, or neither)");
        } else if ((certificate == null) == (key == null)) { // else file() reported the bad one
            config = new EtcdTlsConfig(ca, certificate, key);
        }
        if (!endpoints.isEmpty() && endpoints.stream().noneMatch(e -> "https".equals(e.getScheme()))) {
            report(tls.path(), "tls is set but every endpoint is http:// (expected https:// endpoints, or no tls)");
        }
        return config;
    }

    // ---- geo and routing ----

    private @Nullable GeoConfig geo(Section geo) {
        Path database = geo.file("database", "a .mmdb file");
        boolean required = geo.bool("required", ConfigDefaults.GEO_REQUIRED);
        Duration reloadInterval = geo.duration("reload-interval", ConfigDefaults.GEO_RELOAD_INTERVAL, false);
        geo.atLeast("reload-interval", reloadInterval, GeoConfig.MIN_RELOAD_INTERVAL);
        long cacheSize = geo.count("cache-size", ConfigDefaults.GEO_CACHE_SIZE, 0, GeoConfig.MAX_CACHE_SIZE);
        long nodeCacheSize = geo.count("node-cache-size", ConfigDefaults.GEO_NODE_CACHE_SIZE, 0, GeoConfig.MAX_CACHE_SIZE);
        List<CidrRange> trustedProxies = geo.isList("trusted-proxies")
                ? parsedItems(geo, "trusted-proxies", CidrRange::parse)
                : ConfigDefaults.TRUSTED_PROXIES;
        List<String> locationHeaders = locationHeaders(geo);
        return build(() -> new GeoConfig(database, required, reloadInterval, cacheSize, nodeCacheSize, trustedProxies,
                locationHeaders));
    }

    private List<String> locationHeaders(Section geo) {
        if (!geo.isList("location-headers")) {
            return ConfigDefaults.LOCATION_HEADERS;
        }
        return distinctItems(geo, "location-headers", NameRule.HEADER_NAME::check, name -> name.toLowerCase(Locale.ROOT),
                new HashMap<>(), (item, first) -> "duplicate header name " + QuotedText.of(item.value()) + " (first used at "
                        + first + ", line " + tree.valueMark(first).line() + "; header names ignore case)");
    }

    private @Nullable RoutingConfig routing(Section routing) {
        RoutingMode mode = routing.choice("mode", RoutingMode.values(), RoutingMode::configName, ConfigDefaults.ROUTING_MODE);
        Duration tieBand = routing.duration("tie-band", ConfigDefaults.TIE_BAND, true);
        double spillFactor = routing.number("spill-factor", ConfigDefaults.SPILL_FACTOR, RoutingConfig.MIN_SPILL_FACTOR,
                RoutingConfig.MAX_SPILL_FACTOR, false, "1.0..10");
        Duration hysteresis = routing.duration("hysteresis", ConfigDefaults.HYSTERESIS, true);
        Duration hysteresisPeriod = routing.duration("hysteresis-period", ConfigDefaults.HYSTERESIS_PERIOD, true);
        PanicMode panic = routing.choice("panic", PanicMode.values(), PanicMode::configName, ConfigDefaults.PANIC);
        Duration defaultTtfb = routing.duration("default-ttfb", ConfigDefaults.DEFAULT_TTFB, false);
        Duration ttfbDecay = routing.duration("ttfb-decay", ConfigDefaults.TTFB_DECAY, false);
        return build(() -> new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay));
    }

    // ---- health ----

    private @Nullable HealthConfig health(Section health) {
        ProbeConfig probe = probe(health.section("probe"));
        OutlierConfig outlier = outlier(health.section("outlier"));
        BreakerConfig breaker = breaker(health.section("breaker"));
        StallConfig stall = stall(health.section("stall"));
        Section rateLimit = health.section("rate-limit");
        Duration defaultRetryAfter = rateLimit.duration("default-retry-after", ConfigDefaults.RATE_LIMIT_DEFAULT_RETRY_AFTER, false);
        double capacity = rateLimit.number("capacity", ConfigDefaults.RATE_LIMIT_CAPACITY, 0, 1, true);
        return build(() -> new HealthConfig(probe, outlier, breaker, stall, new RateLimitConfig(defaultRetryAfter, capacity)));
    }

    private @Nullable ProbeConfig probe(Section probe) {
        boolean enabled = probe.bool("enabled", ConfigDefaults.PROBE_ENABLED);
        String target = Objects.requireNonNullElse(probe.checked("path", ProbeConfig::pathProblem), ConfigDefaults.PROBE_PATH);
        Duration interval = probe.duration("interval", ConfigDefaults.PROBE_INTERVAL, false);
        double jitter = probe.number("jitter", ConfigDefaults.PROBE_JITTER, 0, ProbeConfig.MAX_JITTER, false);
        Duration timeout = probe.duration("timeout", ConfigDefaults.PROBE_TIMEOUT, false);
        int unhealthyThreshold = probe.integer("unhealthy-threshold", ConfigDefaults.PROBE_UNHEALTHY_THRESHOLD);
        int healthyThreshold = probe.integer("healthy-threshold", ConfigDefaults.PROBE_HEALTHY_THRESHOLD);
        return build(() -> new ProbeConfig(enabled, target, interval, jitter, timeout, unhealthyThreshold, healthyThreshold));
    }

    private @Nullable OutlierConfig outlier(Section outlier) {
        int consecutiveFailures = outlier.integer("consecutive-failures", ConfigDefaults.OUTLIER_CONSECUTIVE_FAILURES);
        Duration baseEjection = outlier.duration("base-ejection", ConfigDefaults.OUTLIER_BASE_EJECTION, false);
        Duration maxEjection = outlier.duration("max-ejection", ConfigDefaults.OUTLIER_MAX_EJECTION, false);
        int maxEjectedPercent = outlier.integer("max-ejected-percent", ConfigDefaults.OUTLIER_MAX_EJECTED_PERCENT);
        boolean unejectOnProbeSuccess = outlier.bool("uneject-on-probe-success", ConfigDefaults.OUTLIER_UNEJECT_ON_PROBE_SUCCESS);
        outlier.inOrder("base-ejection", baseEjection, "max-ejection", maxEjection);
        return build(() -> new OutlierConfig(consecutiveFailures, baseEjection, maxEjection, maxEjectedPercent, unejectOnProbeSuccess));
    }

    private @Nullable BreakerConfig breaker(Section breaker) {
        int failureRateThreshold = breaker.integer("failure-rate-threshold", ConfigDefaults.BREAKER_FAILURE_RATE_THRESHOLD);
        int slowCallRateThreshold = breaker.integer("slow-call-rate-threshold", ConfigDefaults.BREAKER_SLOW_CALL_RATE_THRESHOLD);
        Duration slowCallDuration = breaker.duration("slow-call-duration", ConfigDefaults.BREAKER_SLOW_CALL_DURATION, false);
        Duration window = breaker.duration("window", ConfigDefaults.BREAKER_WINDOW, false);
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(BreakerConfig.MAX_WINDOW) > 0 || window.getNano() != 0) {
            // Resilience4j's time-based window counts whole seconds
            breaker.report("window", breaker.describe("window") + " is not a whole number of seconds from 1s to 1h");
        }
        int minimumCalls = breaker.integer("minimum-calls", ConfigDefaults.BREAKER_MINIMUM_CALLS);
        Duration openDuration = breaker.duration("open-duration", ConfigDefaults.BREAKER_OPEN_DURATION, false);
        int halfOpenCalls = breaker.integer("half-open-calls", ConfigDefaults.BREAKER_HALF_OPEN_CALLS);
        return build(() -> new BreakerConfig(failureRateThreshold, slowCallRateThreshold, slowCallDuration, window, minimumCalls,
                openDuration, halfOpenCalls));
    }

    private @Nullable StallConfig stall(Section stall) {
        boolean enabled = stall.bool("enabled", ConfigDefaults.STALL_ENABLED);
        double multiplier = stall.number("multiplier", ConfigDefaults.STALL_MULTIPLIER, 1, StallConfig.MAX_MULTIPLIER, false);
        Duration minThreshold = stall.duration("min-threshold", ConfigDefaults.STALL_MIN_THRESHOLD, false);
        int overdueAttempts = stall.integer("overdue-attempts", ConfigDefaults.STALL_OVERDUE_ATTEMPTS);
        int maxWaiting = stall.integer("max-waiting", ConfigDefaults.STALL_MAX_WAITING);
        return build(() -> new StallConfig(enabled, multiplier, minThreshold, overdueAttempts, maxWaiting));
    }

    // ---- retries and the access log ----

    private @Nullable RetriesConfig retries(Section retries) {
        double budgetRatio = retries.number("budget-ratio", ConfigDefaults.RETRY_BUDGET_RATIO, 0, 1, false);
        Duration budgetWindow = retries.duration("budget-window", ConfigDefaults.RETRY_BUDGET_WINDOW, false);
        int minPerSecond = retries.integer("min-per-second", ConfigDefaults.RETRY_MIN_PER_SECOND);
        long replayBuffer = retries.size("replay-buffer", ConfigDefaults.REPLAY_BUFFER, 0, Integer.MAX_VALUE);
        return build(() -> new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer));
    }

    private @Nullable AccessLogConfig accessLog(Section accessLog) {
        boolean enabled = accessLog.bool("enabled", ConfigDefaults.ACCESS_LOG_ENABLED);
        Path file = accessLog.file("file");
        int bufferLines = accessLog.integer("buffer-lines", ConfigDefaults.ACCESS_LOG_BUFFER_LINES);
        return build(() -> new AccessLogConfig(enabled, file, bufferLines));
    }

    // ---- regions ----

    private List<RegionConfig> regions(Section root) {
        Map<String, KeyPath> names = new HashMap<>();
        Map<URI, KeyPath> endpoints = new HashMap<>();
        return boundItems(root, "regions", item -> region(item, names, endpoints));
    }

    private @Nullable RegionConfig region(Section item, Map<String, KeyPath> names, Map<URI, KeyPath> seenEndpoints) {
        String name = item.parsed("name", NameRule.NAME::check);
        if (name != null) {
            unique(names, name, item.path("name"), "region name");
        }
        Section location = item.section("location");
        Double lat = location.decimal("lat");
        Double lon = location.decimal("lon");
        GeoPoint point = lat != null && lon != null && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
                ? new GeoPoint(lat, lon)
                : null; // absent, or the schema reported it
        int weight = item.integer("weight", ConfigDefaults.REGION_WEIGHT);
        List<URI> endpoints = endpoints(item, seenEndpoints);
        UpstreamProtocol protocol = item.choice("protocol", UpstreamProtocol.values(), UpstreamProtocol::configName,
                ConfigDefaults.REGION_PROTOCOL);
        ProbeKind probe = item.choice("probe", ProbeKind.values(), ProbeKind::configName, ConfigDefaults.REGION_PROBE);
        String grpcHealthService = Objects.requireNonNullElse(item.text("grpc-health-service"),
                ConfigDefaults.REGION_GRPC_HEALTH_SERVICE);
        checkProtocol(item, protocol, probe, endpoints);
        UpstreamTlsConfig tls = upstreamTls(item.section("tls"), endpoints);
        return build(() -> new RegionConfig(name, point, weight, endpoints, protocol, tls, probe, grpcHealthService));
    }

    /** A region's endpoint URLs: at least one, none listed twice in the whole file. */
    private List<URI> endpoints(Section region, Map<URI, KeyPath> seen) {
        if (region.isEmptyList("endpoints")) {
            region.report("endpoints", "empty list (expected at least one endpoint, e.g. " + EndpointUri.EXAMPLE + ")");
        }
        return distinctItems(region, "endpoints", EndpointUri::parse, Function.identity(), seen,
                (item, first) -> "duplicate endpoint " + QuotedText.of(item.value()) + " (first listed at " + first + ", line "
                        + tree.valueMark(first).line() + ")");
    }

    /** A region's protocol and probe, checked against its endpoints' schemes. */
    private void checkProtocol(Section region, UpstreamProtocol protocol, ProbeKind probe, List<URI> endpoints) {
        for (URI uri : endpoints) {
            boolean secure = "https".equals(uri.getScheme());
            if (protocol == UpstreamProtocol.H2 && !secure) {
                region.report("protocol", "'h2' is HTTP/2 over TLS but endpoint " + QuotedText.of(uri.toString())
                        + " is http:// (expected https:// endpoints, or protocol 'h2c' for cleartext HTTP/2)");
                break;
            }
            if (protocol == UpstreamProtocol.H2C && secure) {
                region.report("protocol", "'h2c' is cleartext HTTP/2 but endpoint " + QuotedText.of(uri.toString())
                        + " is https:// (expected http:// endpoints, or protocol 'h2' for HTTP/2 over TLS)");
                break;
            }
        }
        if (probe == ProbeKind.GRPC && !protocol.isHttp2()) {
            region.report("probe", "'grpc' probes need an HTTP/2 region (expected protocol 'h2c' or 'h2' on this region)");
        }
    }

    private @Nullable UpstreamTlsConfig upstreamTls(Section tls, List<URI> endpoints) {
        if (!tls.isPresent()) {
            return null;
        }
        if (!endpoints.isEmpty() && endpoints.stream().noneMatch(uri -> "https".equals(uri.getScheme()))) {
            report(tls.path(), "TLS settings but every endpoint is http:// (expected https:// endpoints, or no 'tls')");
        }
        Path ca = tls.file("ca");
        String serverName = tls.text("server-name");
        boolean verify = tls.bool("verify", ConfigDefaults.UPSTREAM_TLS_VERIFY);
        return build(() -> new UpstreamTlsConfig(ca, serverName, verify));
    }

    // ---- routes ----

    private List<RouteConfig> routes(Section root, @Nullable TimeoutConfig defaults) {
        Map<String, KeyPath> names = new HashMap<>();
        Map<String, KeyPath> prefixes = new HashMap<>();
        return boundItems(root, "routes", item -> route(item, defaults, names, prefixes));
    }

    private @Nullable RouteConfig route(Section item, @Nullable TimeoutConfig defaults, Map<String, KeyPath> names,
            Map<String, KeyPath> prefixes) {
        String name = item.parsed("name", NameRule.NAME::check);
        if (name != null) {
            unique(names, name, item.path("name"), "route name");
        }
        String checkedPrefix = item.checked("path-prefix", PathPrefixRule::problem);
        String prefix = checkedPrefix == null ? "/" : PathPrefixRule.normalize(checkedPrefix);
        if (checkedPrefix != null) {
            unique(prefixes, prefix, item.path("path-prefix"), "path-prefix");
            if (ConfigDefaults.DEFAULT_ROUTE_NAME.equals(name) && !prefix.equals(ConfigDefaults.DEFAULT_ROUTE_PREFIX)) {
                item.report("name", "'default' is reserved for the catch-all route (expected another name, or path-prefix '/')");
            }
        }
        Section timeouts = item.section("timeouts");
        Duration connect = timeouts.optionalDuration("connect");
        Duration firstByte = timeouts.optionalDuration("first-byte");
        Duration idle = timeouts.optionalDuration("idle");
        Duration total = timeouts.optionalDuration("total");
        String stickyHeader = item.parsed("sticky-header", NameRule.HEADER_NAME::check);
        Section retry = item.section("retry");
        int maxAttempts = retry.integer("max-attempts", ConfigDefaults.RETRY_MAX_ATTEMPTS);
        boolean nonIdempotent = retry.bool("non-idempotent", ConfigDefaults.RETRY_NON_IDEMPOTENT);
        boolean rescue = retry.bool("rescue", ConfigDefaults.RETRY_RESCUE);
        Section hedge = item.section("hedge");
        boolean hedgeEnabled = hedge.bool("enabled", ConfigDefaults.HEDGE_ENABLED);
        Duration hedgeDelay = hedgeDelay(hedge);
        Section apdex = item.section("apdex");
        Duration satisfied = apdex.duration("satisfied", ConfigDefaults.APDEX_SATISFIED, false);
        Duration tolerated = apdex.duration("tolerated", ConfigDefaults.APDEX_TOLERATED, false);
        boolean grpc = item.bool("grpc", ConfigDefaults.ROUTE_GRPC);
        if (tolerated.compareTo(satisfied) < 0) {
            apdex.report(apdex.has("tolerated") ? "tolerated" : "satisfied", "apdex tolerated (" + tolerated.toMillis()
                    + "ms) is shorter than satisfied (" + satisfied.toMillis() + "ms) (expected tolerated >= satisfied)");
        }
        return build(() -> new RouteConfig(name, prefix, new TimeoutConfig(
                Objects.requireNonNullElse(connect, defaults.connect()),
                Objects.requireNonNullElse(firstByte, defaults.firstByte()),
                Objects.requireNonNullElse(idle, defaults.idle()),
                Objects.requireNonNullElse(total, defaults.total())), stickyHeader,
                new RetryConfig(maxAttempts, nonIdempotent, rescue), new HedgeConfig(hedgeEnabled, hedgeDelay),
                new ApdexConfig(satisfied, tolerated), grpc));
    }

    /** A positive duration, or {@code p95} ({@code null}): the region's live p95 time to first byte. */
    private @Nullable Duration hedgeDelay(Section hedge) {
        KeyPath path = hedge.path("delay");
        String expected = "(expected a positive duration such as 150ms, or " + HedgeConfig.P95 + ")";
        String text = hedge.text("delay");
        if (text != null) {
            if (text.equals(HedgeConfig.P95)) {
                return null;
            }
            if (!DurationText.PATTERN.matcher(text).matches()) {
                report(path, QuotedText.of(text) + " is neither a duration nor " + HedgeConfig.P95 + " " + expected);
                return ConfigDefaults.HEDGE_DELAY;
            }
            Duration delay = hedge.parsed(text, path, DurationText::parse);
            if (delay != null && !delay.isZero()) {
                return delay;
            }
            if (delay != null) {
                report(path, QuotedText.of(text) + " is zero " + expected);
            }
        } else if (hedge.integerText("delay") != null) {
            report(path, QuotedText.of(hedge.integerText("delay")) + " has no unit " + expected);
        }
        return ConfigDefaults.HEDGE_DELAY; // absent, or another type the schema reported
    }

    // ---- lists ----

    /** The records bound from the mappings in the list at {@code key}; items that could not be bound are left out. */
    private static <T> List<T> boundItems(Section parent, String key, Function<Section, @Nullable T> binder) {
        List<T> out = new ArrayList<>();
        for (Section item : parent.items(key)) {
            T bound = binder.apply(item);
            if (bound != null) {
                out.add(bound);
            }
        }
        return out;
    }

    /** The values {@code parser} reads from the strings in the list at {@code key}; each refusal is reported. */
    private <T> List<T> parsedItems(Section parent, String key, Function<String, T> parser) {
        return distinctItems(parent, key, parser, null, new HashMap<>(), (item, first) -> "");
    }

    /**
     * The values {@code parser} reads from the strings in the list at {@code key}, each once: a
     * refusal is reported with the parser's message, and a value whose {@code identity} is already
     * in {@code seen} (from this list, or another that shares {@code seen}) with
     * {@code duplicate}'s, given the item and where the first one is.
     *
     * @param identity what makes two values the same; {@code null}: values are never duplicates
     */
    private <T, K> List<T> distinctItems(Section parent, String key, Function<String, T> parser,
            @Nullable Function<T, K> identity, Map<K, KeyPath> seen, BiFunction<Text, KeyPath, String> duplicate) {
        List<T> out = new ArrayList<>();
        for (Text item : parent.texts(key)) {
            T value = parent.parsed(item.value(), item.path(), parser);
            if (value == null) {
                continue;
            }
            KeyPath first = identity == null ? null : seen.putIfAbsent(identity.apply(value), item.path());
            if (first != null) {
                report(item.path(), duplicate.apply(item, first));
            } else {
                out.add(value);
            }
        }
        return out;
    }

    /** Reports a repeated value at its second (and later) occurrence, pointing back at the first. */
    private void unique(Map<String, KeyPath> seen, String value, KeyPath path, String what) {
        KeyPath first = seen.putIfAbsent(value, path);
        if (first != null) {
            report(path, "duplicate " + what + " " + QuotedText.of(value) + " (first used at " + first + ", line "
                    + tree.valueMark(first).line() + ")");
        }
    }
}
