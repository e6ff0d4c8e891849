package dev.meridian.config.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.meridian.config.AccessLogConfig;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.ApdexConfig;
import dev.meridian.config.AdminToken;
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
import dev.meridian.config.internal.Problems.Origin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Binds a schema-checked {@link SourceTree} to {@link MeridianConfig}, applying defaults and the
 * checks a schema cannot express: durations and sizes that mean something, URLs, CIDR ranges,
 * IP literals, names, and uniqueness across list items (regions, endpoints, routes, tokens).
 *
 * <p>It reads defensively: a value of the wrong type is skipped here (the schema has reported it)
 * and binding carries on, so that one run reports every problem. Records are built only when no
 * problem was found at all.
 */
public final class ConfigBinder {

    private static final String ADDRESS_EXPECTED =
            "expected an IP address literal such as 0.0.0.0, ::, 127.0.0.1; host names are not resolved";

    private final SourceTree tree;
    private final Problems problems;

    private ConfigBinder(SourceTree tree, Problems problems) {
        this.tree = tree;
        this.problems = problems;
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
        JsonNode root = tree.root();
        KeyPath top = KeyPath.ROOT;

        KeyPath listenPath = top.key("listen");
        JsonNode listen = mapping(root, "listen");
        String listenAddress = address(listen, listenPath.key("address"), ConfigDefaults.LISTEN_ADDRESS);
        int listenPort = integer(listen, "port", ConfigDefaults.LISTEN_PORT);
        boolean proxyProtocol = bool(listen, "proxy-protocol", ConfigDefaults.PROXY_PROTOCOL);
        @Nullable TlsConfig listenTls = tls(listen, listenPath.key("tls"));

        KeyPath serverPath = top.key("server");
        JsonNode server = mapping(root, "server");
        int eventLoops = integer(server, "event-loops", ConfigDefaults.EVENT_LOOPS);
        Transport transport = transport(server, ConfigDefaults.TRANSPORT);
        long maxInitialLine = size(server, serverPath.key("max-initial-line-length"), ConfigDefaults.MAX_INITIAL_LINE_LENGTH, 1, Integer.MAX_VALUE);
        long maxHeaderSize = size(server, serverPath.key("max-header-size"), ConfigDefaults.MAX_HEADER_SIZE, 1, Integer.MAX_VALUE);
        long maxRequestBody = size(server, serverPath.key("max-request-body"), ConfigDefaults.MAX_REQUEST_BODY, 0, Long.MAX_VALUE);
        Duration clientIdle = duration(server, serverPath.key("client-idle-timeout"), ConfigDefaults.CLIENT_IDLE_TIMEOUT, false);
        Duration shutdownGrace = duration(server, serverPath.key("shutdown-grace"), ConfigDefaults.SHUTDOWN_GRACE, true);
        boolean regionHeader = bool(server, "region-header", ConfigDefaults.REGION_HEADER);
        Duration headTimeout = duration(server, serverPath.key("request-head-timeout"), ConfigDefaults.REQUEST_HEAD_TIMEOUT, false);
        Duration bodyTimeout = duration(server, serverPath.key("request-body-timeout"), ConfigDefaults.REQUEST_BODY_TIMEOUT, false);
        int maxClientConnections = integer(server, "max-connections", ConfigDefaults.MAX_CONNECTIONS);
        int maxConnectionsPerIp = integer(server, "max-connections-per-ip", ConfigDefaults.MAX_CONNECTIONS_PER_IP);
        int maxPipelined = integer(server, "max-pipelined-requests", ConfigDefaults.MAX_PIPELINED_REQUESTS);
        List<String> hosts = hosts(server, serverPath.key("hosts"));
        JsonNode http2 = mapping(server, "http2");
        boolean http2Enabled = bool(http2, "enabled", ConfigDefaults.HTTP2_ENABLED);
        int maxStreams = integer(http2, "max-concurrent-streams", ConfigDefaults.HTTP2_MAX_CONCURRENT_STREAMS);
        int initialWindow = integer(http2, "initial-window-size", ConfigDefaults.HTTP2_INITIAL_WINDOW_SIZE);
        int maxResets = integer(http2, "max-resets-per-second", ConfigDefaults.HTTP2_MAX_RESETS_PER_SECOND);

        KeyPath upstreamPath = top.key("upstream");
        JsonNode upstream = mapping(root, "upstream");
        int maxConnections = integer(upstream, "max-connections-per-endpoint", ConfigDefaults.MAX_CONNECTIONS_PER_ENDPOINT);
        int maxPending = integer(upstream, "max-pending-acquires", ConfigDefaults.MAX_PENDING_ACQUIRES);
        Duration upstreamIdle = duration(upstream, upstreamPath.key("idle-timeout"), ConfigDefaults.UPSTREAM_IDLE_TIMEOUT, false);

        DnsConfig dns = dns(root, top.key("dns"));

        KeyPath timeoutsPath = top.key("timeouts");
        JsonNode timeouts = mapping(root, "timeouts");
        Duration connect = duration(timeouts, timeoutsPath.key("connect"), ConfigDefaults.CONNECT_TIMEOUT, false);
        Duration firstByte = duration(timeouts, timeoutsPath.key("first-byte"), ConfigDefaults.FIRST_BYTE_TIMEOUT, false);
        Duration idle = duration(timeouts, timeoutsPath.key("idle"), ConfigDefaults.IDLE_TIMEOUT, false);
        Duration total = duration(timeouts, timeoutsPath.key("total"), ConfigDefaults.TOTAL_TIMEOUT, false);

        KeyPath adminPath = top.key("admin");
        JsonNode admin = mapping(root, "admin");
        String adminAddress = address(admin, adminPath.key("address"), ConfigDefaults.ADMIN_ADDRESS);
        int adminPort = integer(admin, "port", ConfigDefaults.ADMIN_PORT);
        List<AdminToken> tokens = tokens(admin, adminPath.key("tokens"));
        @Nullable Path tokenFile = optionalFile(admin, adminPath.key("token-file"));
        Path stateFile = Objects.requireNonNullElse(optionalFile(admin, adminPath.key("state-file")), ConfigDefaults.ADMIN_STATE_FILE);
        Path auditFile = Objects.requireNonNullElse(optionalFile(admin, adminPath.key("audit-file")), ConfigDefaults.ADMIN_AUDIT_FILE);
        boolean allowInsecure = bool(admin, "allow-insecure", ConfigDefaults.ADMIN_ALLOW_INSECURE);
        long adminMaxBody = size(admin, adminPath.key("max-request-body"), ConfigDefaults.ADMIN_MAX_REQUEST_BODY, 1,
                AdminConfig.MAX_REQUEST_BODY_LIMIT);
        @Nullable TlsConfig adminTls = tls(admin, adminPath.key("tls"));
        checkPorts(listenAddress, listenPort, adminAddress, adminPort);
        FleetConfig fleet = fleet(root, top.key("fleet"), stateFile);

        KeyPath geoPath = top.key("geo");
        JsonNode geo = mapping(root, "geo");
        Path database = database(geo, geoPath.key("database"));
        boolean geoRequired = bool(geo, "required", ConfigDefaults.GEO_REQUIRED);
        Duration reloadInterval = duration(geo, geoPath.key("reload-interval"), ConfigDefaults.GEO_RELOAD_INTERVAL, false);
        if (reloadInterval.compareTo(GeoConfig.MIN_RELOAD_INTERVAL) < 0) {
            KeyPath reloadPath = geoPath.key("reload-interval");
            problems.add(Origin.CHECK, reloadPath, tree.valueMark(reloadPath), Values.describe(geo.get("reload-interval"))
                    + " is too short (expected at least " + DurationText.format(GeoConfig.MIN_RELOAD_INTERVAL) + ")");
        }
        long cacheSize = count(geo, "cache-size", ConfigDefaults.GEO_CACHE_SIZE, 0, GeoConfig.MAX_CACHE_SIZE);
        long nodeCacheSize = count(geo, "node-cache-size", ConfigDefaults.GEO_NODE_CACHE_SIZE, 0, GeoConfig.MAX_CACHE_SIZE);
        List<CidrRange> trustedProxies = trustedProxies(geo, geoPath.key("trusted-proxies"));
        List<String> locationHeaders = locationHeaders(geo, geoPath.key("location-headers"));

        KeyPath routingPath = top.key("routing");
        JsonNode routing = mapping(root, "routing");
        RoutingMode mode = choice(routing, "mode", RoutingMode.values(), RoutingMode::configName, ConfigDefaults.ROUTING_MODE);
        Duration tieBand = duration(routing, routingPath.key("tie-band"), ConfigDefaults.TIE_BAND, true);
        double spillFactor = spillFactor(routing, routingPath.key("spill-factor"));
        Duration hysteresis = duration(routing, routingPath.key("hysteresis"), ConfigDefaults.HYSTERESIS, true);
        Duration hysteresisPeriod = duration(routing, routingPath.key("hysteresis-period"), ConfigDefaults.HYSTERESIS_PERIOD, true);
        PanicMode panic = choice(routing, "panic", PanicMode.values(), PanicMode::configName, ConfigDefaults.PANIC);
        Duration defaultTtfb = duration(routing, routingPath.key("default-ttfb"), ConfigDefaults.DEFAULT_TTFB, false);
        Duration ttfbDecay = duration(routing, routingPath.key("ttfb-decay"), ConfigDefaults.TTFB_DECAY, false);

        KeyPath healthPath = top.key("health");
        JsonNode health = mapping(root, "health");
        KeyPath probePath = healthPath.key("probe");
        JsonNode probe = mapping(health, "probe");
        boolean probeEnabled = bool(probe, "enabled", ConfigDefaults.PROBE_ENABLED);
        String probeTarget = probeTarget(probe, probePath.key("path"));
        Duration probeInterval = duration(probe, probePath.key("interval"), ConfigDefaults.PROBE_INTERVAL, false);
        double probeJitter = number(probe, probePath.key("jitter"), ConfigDefaults.PROBE_JITTER, 0, ProbeConfig.MAX_JITTER, false);
        Duration probeTimeout = duration(probe, probePath.key("timeout"), ConfigDefaults.PROBE_TIMEOUT, false);
        int unhealthyThreshold = integer(probe, "unhealthy-threshold", ConfigDefaults.PROBE_UNHEALTHY_THRESHOLD);
        int healthyThreshold = integer(probe, "healthy-threshold", ConfigDefaults.PROBE_HEALTHY_THRESHOLD);

        KeyPath outlierPath = healthPath.key("outlier");
        JsonNode outlier = mapping(health, "outlier");
        int consecutiveFailures = integer(outlier, "consecutive-failures", ConfigDefaults.OUTLIER_CONSECUTIVE_FAILURES);
        Duration baseEjection = duration(outlier, outlierPath.key("base-ejection"), ConfigDefaults.OUTLIER_BASE_EJECTION, false);
        Duration maxEjection = duration(outlier, outlierPath.key("max-ejection"), ConfigDefaults.OUTLIER_MAX_EJECTION, false);
        int maxEjectedPercent = integer(outlier, "max-ejected-percent", ConfigDefaults.OUTLIER_MAX_EJECTED_PERCENT);
        boolean unejectOnProbeSuccess = bool(outlier, "uneject-on-probe-success", ConfigDefaults.OUTLIER_UNEJECT_ON_PROBE_SUCCESS);
        if (maxEjection.compareTo(baseEjection) < 0) {
            KeyPath maxPath = outlierPath.key("max-ejection");
            KeyPath basePath = outlierPath.key("base-ejection");
            if (outlier.has("max-ejection")) {
                problems.add(Origin.CHECK, maxPath, tree.valueMark(maxPath), Values.describe(outlier.get("max-ejection"))
                        + " is shorter than base-ejection (expected at least " + DurationText.format(baseEjection) + ")");
            } else {
                problems.add(Origin.CHECK, basePath, tree.valueMark(basePath), Values.describe(outlier.get("base-ejection"))
                        + " is longer than max-ejection (expected at most " + DurationText.format(maxEjection)
                        + ", or a longer max-ejection)");
            }
        }

        KeyPath breakerPath = healthPath.key("breaker");
        JsonNode breaker = mapping(health, "breaker");
        int failureRateThreshold = integer(breaker, "failure-rate-threshold", ConfigDefaults.BREAKER_FAILURE_RATE_THRESHOLD);
        int slowCallRateThreshold = integer(breaker, "slow-call-rate-threshold", ConfigDefaults.BREAKER_SLOW_CALL_RATE_THRESHOLD);
        Duration slowCallDuration = duration(breaker, breakerPath.key("slow-call-duration"), ConfigDefaults.BREAKER_SLOW_CALL_DURATION, false);
        Duration window = breakerWindow(breaker, breakerPath.key("window"));
        int minimumCalls = integer(breaker, "minimum-calls", ConfigDefaults.BREAKER_MINIMUM_CALLS);
        Duration openDuration = duration(breaker, breakerPath.key("open-duration"), ConfigDefaults.BREAKER_OPEN_DURATION, false);
        int halfOpenCalls = integer(breaker, "half-open-calls", ConfigDefaults.BREAKER_HALF_OPEN_CALLS);

        KeyPath stallPath = healthPath.key("stall");
        JsonNode stall = mapping(health, "stall");
        boolean stallEnabled = bool(stall, "enabled", ConfigDefaults.STALL_ENABLED);
        double stallMultiplier = number(stall, stallPath.key("multiplier"), ConfigDefaults.STALL_MULTIPLIER, 1,
                StallConfig.MAX_MULTIPLIER, false);
        Duration stallMinThreshold = duration(stall, stallPath.key("min-threshold"), ConfigDefaults.STALL_MIN_THRESHOLD, false);
        int stallOverdue = integer(stall, "overdue-attempts", ConfigDefaults.STALL_OVERDUE_ATTEMPTS);
        int stallMaxWaiting = integer(stall, "max-waiting", ConfigDefaults.STALL_MAX_WAITING);

        KeyPath rateLimitPath = healthPath.key("rate-limit");
        JsonNode rateLimit = mapping(health, "rate-limit");
        Duration defaultRetryAfter = duration(rateLimit, rateLimitPath.key("default-retry-after"),
                ConfigDefaults.RATE_LIMIT_DEFAULT_RETRY_AFTER, false);
        double capacity = number(rateLimit, rateLimitPath.key("capacity"), ConfigDefaults.RATE_LIMIT_CAPACITY, 0, 1, true);

        KeyPath retriesPath = top.key("retries");
        JsonNode retries = mapping(root, "retries");
        double budgetRatio = number(retries, retriesPath.key("budget-ratio"), ConfigDefaults.RETRY_BUDGET_RATIO, 0, 1, false);
        Duration budgetWindow = duration(retries, retriesPath.key("budget-window"), ConfigDefaults.RETRY_BUDGET_WINDOW, false);
        int minPerSecond = integer(retries, "min-per-second", ConfigDefaults.RETRY_MIN_PER_SECOND);
        long replayBuffer = size(retries, retriesPath.key("replay-buffer"), ConfigDefaults.REPLAY_BUFFER, 0, Integer.MAX_VALUE);

        KeyPath accessLogPath = top.key("access-log");
        JsonNode accessLog = mapping(root, "access-log");
        boolean accessLogEnabled = bool(accessLog, "enabled", ConfigDefaults.ACCESS_LOG_ENABLED);
        @Nullable Path accessLogFile = optionalFile(accessLog, accessLogPath.key("file"));
        int accessLogBuffer = integer(accessLog, "buffer-lines", ConfigDefaults.ACCESS_LOG_BUFFER_LINES);

        List<RegionDraft> regions = regions(root, top.key("regions"));
        List<RouteDraft> routes = routes(root, top.key("routes"));
        SloControllerConfig sloController = sloController(root, top.key("slo-controller"));

        if (!problems.isEmpty()) {
            return null;
        }
        try {
            TimeoutConfig defaults = new TimeoutConfig(connect, firstByte, idle, total);
            List<RegionConfig> regionConfigs = new ArrayList<>();
            for (RegionDraft r : regions) {
                regionConfigs.add(new RegionConfig(r.name, r.location, r.weight, r.endpoints, r.protocol, r.tls, r.probe,
                        r.grpcHealthService));
            }
            List<RouteConfig> routeConfigs = new ArrayList<>();
            for (RouteDraft r : routes) {
                routeConfigs.add(new RouteConfig(r.name, r.prefix, new TimeoutConfig(
                        r.connect != null ? r.connect : connect,
                        r.firstByte != null ? r.firstByte : firstByte,
                        r.idle != null ? r.idle : idle,
                        r.total != null ? r.total : total), r.stickyHeader,
                        new RetryConfig(r.maxAttempts, r.nonIdempotent, r.rescue), new HedgeConfig(r.hedgeEnabled, r.hedgeDelay),
                        new ApdexConfig(r.apdexSatisfied, r.apdexTolerated), r.grpc));
            }
            return new MeridianConfig(
                    new ListenConfig(listenAddress, listenPort, proxyProtocol, listenTls),
                    new ServerConfig(eventLoops, transport, (int) maxInitialLine, (int) maxHeaderSize, maxRequestBody,
                            clientIdle, shutdownGrace, regionHeader, headTimeout, bodyTimeout, maxClientConnections,
                            maxConnectionsPerIp, maxPipelined, hosts,
                            new Http2Config(http2Enabled, maxStreams, initialWindow, maxResets)),
                    new UpstreamConfig(maxConnections, maxPending, upstreamIdle),
                    defaults,
                    new AdminConfig(adminAddress, adminPort, tokens, tokenFile, stateFile, auditFile, allowInsecure, (int) adminMaxBody,
                            adminTls),
                    new GeoConfig(database, geoRequired, reloadInterval, cacheSize, nodeCacheSize, trustedProxies, locationHeaders),
                    new RoutingConfig(mode, tieBand, spillFactor, hysteresis, hysteresisPeriod, panic, defaultTtfb, ttfbDecay),
                    new HealthConfig(
                            new ProbeConfig(probeEnabled, probeTarget, probeInterval, probeJitter, probeTimeout,
                                    unhealthyThreshold, healthyThreshold),
                            new OutlierConfig(consecutiveFailures, baseEjection, maxEjection, maxEjectedPercent, unejectOnProbeSuccess),
                            new BreakerConfig(failureRateThreshold, slowCallRateThreshold, slowCallDuration, window,
                                    minimumCalls, openDuration, halfOpenCalls),
                            new StallConfig(stallEnabled, stallMultiplier, stallMinThreshold, stallOverdue, stallMaxWaiting),
                            new RateLimitConfig(defaultRetryAfter, capacity)),
                    new RetriesConfig(budgetRatio, budgetWindow, minPerSecond, replayBuffer),
                    new AccessLogConfig(accessLogEnabled, accessLogFile, accessLogBuffer),
                    regionConfigs,
                    routeConfigs,
                    fleet,
                    dns,
                    sloController);
        } catch (IllegalArgumentException e) {
            // The checks above mirror the records' own; reaching this means they drifted apart.
            problems.add(Origin.CHECK, KeyPath.ROOT, tree.valueMark(KeyPath.ROOT), "invalid configuration: " + e.getMessage());
            return null;
        }
    }

    // ---- dns ----

    /** {@code dns}: servers as IP literals with optional ports, refresh bounds that make sense together. */
    private DnsConfig dns(JsonNode root, KeyPath path) {
        JsonNode dns = mapping(root, "dns");
        List<InetSocketAddress> servers = new ArrayList<>();
        Map<String, KeyPath> seen = new HashMap<>();
        JsonNode list = dns.get("servers");
        KeyPath serversPath = path.key("servers");
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode item = list.get(i);
                KeyPath itemPath = serversPath.index(i);
                if (!item.isTextual()) {
                    continue;
                }
                InetSocketAddress server = dnsServer(item.textValue());
                if (server == null) {
                    problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), Values.quote(item.textValue())
                            + " is not a DNS server address (expected an IP address with an optional port, e.g. 10.0.0.2, "
                            + "10.0.0.2:53, [fd00::2]:53; host names are not resolved)");
                    continue;
                }
                String key = InetLiteral.format(server.getAddress()) + "#" + server.getPort();
                KeyPath first = seen.putIfAbsent(key, itemPath);
                if (first != null) {
                    problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), "duplicate DNS server "
                            + Values.quote(item.textValue()) + " (first listed at " + first + ")");
                } else {
                    servers.add(server);
                }
            }
        }
        KeyPath minPath = path.key("min-refresh");
        KeyPath maxPath = path.key("max-refresh");
        Duration minRefresh = duration(dns, minPath, ConfigDefaults.DNS_MIN_REFRESH, false);
        Duration maxRefresh = duration(dns, maxPath, ConfigDefaults.DNS_MAX_REFRESH, false);
        Duration queryTimeout = duration(dns, path.key("query-timeout"), ConfigDefaults.DNS_QUERY_TIMEOUT, false);
        LookupFamily family = choice(dns, "lookup-family", LookupFamily.values(), LookupFamily::configName,
                ConfigDefaults.DNS_LOOKUP_FAMILY);
        if (minRefresh.compareTo(DnsConfig.MIN_REFRESH_FLOOR) < 0) {
            problems.add(Origin.CHECK, minPath, tree.valueMark(minPath), Values.describe(dns.get("min-refresh"))
                    + " is too short (expected at least " + DurationText.format(DnsConfig.MIN_REFRESH_FLOOR) + ")");
            minRefresh = DnsConfig.MIN_REFRESH_FLOOR;
        }
        if (maxRefresh.compareTo(minRefresh) < 0) {
            if (dns.has("max-refresh")) {
                problems.add(Origin.CHECK, maxPath, tree.valueMark(maxPath), Values.describe(dns.get("max-refresh"))
                        + " is shorter than min-refresh (expected at least " + DurationText.format(minRefresh) + ")");
            } else {
                problems.add(Origin.CHECK, minPath, tree.valueMark(minPath), Values.describe(dns.get("min-refresh"))
                        + " is longer than max-refresh (expected at most " + DurationText.format(maxRefresh)
                        + ", or a longer max-refresh)");
            }
            maxRefresh = minRefresh;
        }
        return new DnsConfig(servers, minRefresh, maxRefresh, queryTimeout, family);
    }

    /** {@code 10.0.0.2}, {@code 10.0.0.2:53}, {@code fd00::2}, {@code [fd00::2]}, {@code [fd00::2]:53}; {@code null} when none of these. */
    static @Nullable InetSocketAddress dnsServer(String text) {
        String host = text;
        int port = 53;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = port(rest.substring(1));
            }
            if (!InetLiteral.isIpv6Notation(host)) {
                return null;
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') >= 0) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1));
        }
        InetAddress address = InetLiteral.parse(host);
        return address == null || port < 1 ? null : new InetSocketAddress(address, port);
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? port : -1;
    }

    // ---- slo-controller ----

    /** {@code slo-controller}: windows, cool-down and interval that make sense together, percentages in range. */
    private SloControllerConfig sloController(JsonNode root, KeyPath path) {
        JsonNode controller = mapping(root, "slo-controller");
        // YAML 1.1 reads an unquoted off as false: the schema allows it, and it means off.
        ControllerMode mode = controller.path("mode").isBoolean() ? ControllerMode.OFF
                : choice(controller, "mode", ControllerMode.values(), ControllerMode::configName, ConfigDefaults.CONTROLLER_MODE);
        KeyPath windowsPath = path.key("windows");
        JsonNode windows = mapping(controller, "windows");
        KeyPath shortPath = windowsPath.key("short");
        KeyPath longPath = windowsPath.key("long");
        KeyPath intervalPath = path.key("interval");
        Duration shortWindow = duration(windows, shortPath, ConfigDefaults.CONTROLLER_SHORT_WINDOW, false);
        Duration longWindow = duration(windows, longPath, ConfigDefaults.CONTROLLER_LONG_WINDOW, false);
        Duration interval = duration(controller, intervalPath, ConfigDefaults.CONTROLLER_INTERVAL, false);
        Duration coolDown = duration(controller, path.key("cool-down"), ConfigDefaults.CONTROLLER_COOL_DOWN, false);
        if (interval.compareTo(SloControllerConfig.MIN_INTERVAL) < 0) {
            problems.add(Origin.CHECK, intervalPath, tree.valueMark(intervalPath), Values.describe(controller.get("interval"))
                    + " is too short (expected at least " + DurationText.format(SloControllerConfig.MIN_INTERVAL) + ")");
            interval = SloControllerConfig.MIN_INTERVAL;
        }
        if (shortWindow.compareTo(interval) < 0) {
            KeyPath at = windows.has("short") ? shortPath : intervalPath;
            problems.add(Origin.CHECK, at, tree.valueMark(at), "windows.short (" + DurationText.format(shortWindow)
                    + ") is shorter than interval (" + DurationText.format(interval) + "); expected a window of several intervals");
        }
        if (longWindow.compareTo(SloControllerConfig.MAX_WINDOW) > 0) {
            problems.add(Origin.CHECK, longPath, tree.valueMark(longPath), Values.describe(windows.get("long"))
                    + " is too long (expected at most " + DurationText.format(SloControllerConfig.MAX_WINDOW) + ")");
        } else if (longWindow.compareTo(shortWindow) <= 0) {
            KeyPath at = windows.has("long") ? longPath : shortPath;
            problems.add(Origin.CHECK, at, tree.valueMark(at), "windows.long (" + DurationText.format(longWindow)
                    + ") is not longer than windows.short (" + DurationText.format(shortWindow) + ")");
        }
        KeyPath objectivesPath = path.key("objectives");
        JsonNode objectives = mapping(controller, "objectives");
        double availability = percent(objectives, objectivesPath.key("availability"), ConfigDefaults.CONTROLLER_AVAILABILITY, false);
        double apdex = percent(objectives, objectivesPath.key("apdex"), ConfigDefaults.CONTROLLER_APDEX, false);
        double burnThreshold = number(controller, path.key("burn-threshold"), ConfigDefaults.CONTROLLER_BURN_THRESHOLD, 1,
                SloControllerConfig.MAX_BURN_THRESHOLD, false);
        double step = percent(controller, path.key("step"), ConfigDefaults.CONTROLLER_STEP, false);
        double floor = percent(controller, path.key("floor"), ConfigDefaults.CONTROLLER_FLOOR, true);
        int minAttempts = integer(controller, "min-attempts", ConfigDefaults.CONTROLLER_MIN_ATTEMPTS);
        if (!problems.isEmpty()) {
            return SloControllerConfig.ofDefaults(); // reported; no config is built
        }
        return new SloControllerConfig(mode, shortWindow, longWindow, availability, apdex, burnThreshold, step, floor, coolDown,
                interval, minAttempts);
    }

    /** A percentage above 0 % (or at 0 % when {@code zeroAllowed}) and below 100 %, as a fraction. */
    private double percent(JsonNode parent, KeyPath path, double fallback, boolean zeroAllowed) {
        JsonNode node = parent.get(last(path));
        if (node == null) {
            return fallback;
        }
        if (!node.isTextual()) {
            String shown = node.isNumber() ? Values.quote(node.asText()) + " has no % sign" : "expected a percentage, found "
                    + Values.describe(node);
            problems.add(Origin.CHECK, path, tree.valueMark(path), shown + " (expected " + PercentText.EXAMPLES + ")");
            return fallback;
        }
        double value;
        try {
            value = PercentText.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), e.getMessage());
            return fallback;
        }
        if (!((zeroAllowed ? value >= 0 : value > 0) && value < 1)) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.quote(node.textValue()) + " is out of range (expected: "
                    + (zeroAllowed ? "0%" : "more than 0%") + " and less than 100%)");
            return fallback;
        }
        return value;
    }

    // ---- fleet ----

    /** {@code fleet.etcd}: member URLs with explicit ports, a well-formed prefix, TLS only towards https:// members. */
    private FleetConfig fleet(JsonNode root, KeyPath path, Path stateFile) {
        JsonNode etcd = mapping(mapping(root, "fleet"), "etcd");
        if (!etcd.isObject()) {
            return FleetConfig.NONE;
        }
        KeyPath etcdPath = path.key("etcd");
        List<URI> endpoints = new ArrayList<>();
        Map<URI, KeyPath> seen = new HashMap<>();
        JsonNode list = etcd.get("endpoints");
        KeyPath endpointsPath = etcdPath.key("endpoints");
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                JsonNode item = list.get(i);
                KeyPath itemPath = endpointsPath.index(i);
                if (!item.isTextual()) {
                    continue;
                }
                try {
                    URI uri = EndpointUri.parse(item.textValue());
                    if (URI.create(item.textValue()).getPort() < 0) {
                        throw new IllegalArgumentException(Values.quote(item.textValue())
                                + " has no port (expected e.g. http://10.0.0.5:2379; etcd's client port is 2379 by default)");
                    }
                    EtcdConfig.checkEndpoint(uri);
                    KeyPath first = seen.putIfAbsent(uri, itemPath);
                    if (first != null) {
                        problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), "duplicate etcd endpoint "
                                + Values.quote(item.textValue()) + " (first listed at " + first + ")");
                    } else {
                        endpoints.add(uri);
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), e.getMessage());
                }
            }
        }
        if (endpoints.stream().map(URI::getScheme).distinct().count() > 1) {
            problems.add(Origin.CHECK, endpointsPath, tree.valueMark(endpointsPath),
                    "mixes http:// and https:// members (expected one scheme for all: the client uses TLS with every member or with none)");
        }
        KeyPath prefixPath = etcdPath.key("prefix");
        String prefix = ConfigDefaults.ETCD_PREFIX;
        JsonNode prefixNode = etcd.get("prefix");
        if (prefixNode != null && prefixNode.isTextual()) {
            try {
                EtcdConfig.checkPrefix(prefixNode.textValue());
                prefix = prefixNode.textValue();
            } catch (IllegalArgumentException e) {
                problems.add(Origin.CHECK, prefixPath, tree.valueMark(prefixPath), e.getMessage());
            }
        }
        EtcdTlsConfig tls = null;
        JsonNode tlsNode = etcd.get("tls");
        KeyPath tlsPath = etcdPath.key("tls");
        if (tlsNode != null && tlsNode.isObject()) {
            Path ca = optionalFile(tlsNode, tlsPath.key("ca"));
            Path certificate = optionalFile(tlsNode, tlsPath.key("certificate"));
            Path key = optionalFile(tlsNode, tlsPath.key("key"));
            if (tlsNode.has("certificate") != tlsNode.has("key")) {
                problems.add(Origin.CHECK, tlsPath, tree.valueMark(tlsPath),
                        "certificate and key go together (expected both, for a client certificate, or neither)");
            } else if ((certificate == null) == (key == null)) { // else optionalFile reported the bad one
                tls = new EtcdTlsConfig(ca, certificate, key);
            }
            boolean anyTls = endpoints.stream().anyMatch(e -> "https".equals(e.getScheme()));
            if (!anyTls && !endpoints.isEmpty()) {
                problems.add(Origin.CHECK, tlsPath, tree.valueMark(tlsPath),
                        "tls is set but every endpoint is http:// (expected https:// endpoints, or no tls)");
            }
        }
        String username = etcd.path("username").isTextual() ? etcd.get("username").textValue() : null;
        String password = etcd.path("password").isTextual() ? etcd.get("password").textValue() : null;
        if ((username == null) != (password == null)) {
            KeyPath given = etcdPath.key(username != null ? "username" : "password");
            problems.add(Origin.CHECK, given, tree.valueMark(given),
                    "username and password go together (expected both, or neither)");
        }
        JsonNode timeouts = mapping(etcd, "timeouts");
        KeyPath timeoutsPath = etcdPath.key("timeouts");
        Duration connect = duration(timeouts, timeoutsPath.key("connect"), ConfigDefaults.ETCD_CONNECT_TIMEOUT, false);
        Duration request = duration(timeouts, timeoutsPath.key("request"), ConfigDefaults.ETCD_REQUEST_TIMEOUT, false);
        Path cacheFile = optionalFile(etcd, etcdPath.key("cache-file"));
        if (cacheFile == null) {
            cacheFile = stateFile.resolveSibling(ConfigDefaults.ETCD_CACHE_FILE);
        }
        if (endpoints.isEmpty() || (username == null) != (password == null)) {
            return FleetConfig.NONE; // reported above or by the schema; no config is built
        }
        return new FleetConfig(new EtcdConfig(endpoints, prefix, tls, username, password, connect, request, cacheFile));
    }

    // ---- sections with lists ----

    private static final class RegionDraft {
        String name = "";
        @Nullable GeoPoint location;
        int weight = ConfigDefaults.REGION_WEIGHT;
        List<URI> endpoints = new ArrayList<>();
        UpstreamProtocol protocol = ConfigDefaults.REGION_PROTOCOL;
        @Nullable UpstreamTlsConfig tls;
        ProbeKind probe = ConfigDefaults.REGION_PROBE;
        String grpcHealthService = ConfigDefaults.REGION_GRPC_HEALTH_SERVICE;
    }

    private static final class RouteDraft {
        String name = "";
        String prefix = "/";
        @Nullable Duration connect;
        @Nullable Duration firstByte;
        @Nullable Duration idle;
        @Nullable Duration total;
        @Nullable String stickyHeader;
        int maxAttempts = ConfigDefaults.RETRY_MAX_ATTEMPTS;
        boolean nonIdempotent = ConfigDefaults.RETRY_NON_IDEMPOTENT;
        boolean rescue = ConfigDefaults.RETRY_RESCUE;
        boolean hedgeEnabled = ConfigDefaults.HEDGE_ENABLED;
        @Nullable Duration hedgeDelay = ConfigDefaults.HEDGE_DELAY;
        Duration apdexSatisfied = ConfigDefaults.APDEX_SATISFIED;
        Duration apdexTolerated = ConfigDefaults.APDEX_TOLERATED;
        boolean grpc = ConfigDefaults.ROUTE_GRPC;
    }

    private List<RegionDraft> regions(JsonNode root, KeyPath path) {
        List<RegionDraft> out = new ArrayList<>();
        JsonNode list = root.get("regions");
        if (list == null || !list.isArray()) {
            return out;
        }
        Map<String, KeyPath> names = new HashMap<>();
        Map<URI, KeyPath> endpoints = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            KeyPath itemPath = path.index(i);
            if (!item.isObject()) {
                continue;
            }
            RegionDraft region = new RegionDraft();
            String name = name(item, itemPath.key("name"));
            if (name != null) {
                region.name = name;
                unique(names, name, itemPath.key("name"), "region name");
            }
            JsonNode location = item.get("location");
            if (location != null && location.path("lat").isNumber() && location.path("lon").isNumber()) {
                double lat = location.get("lat").doubleValue();
                double lon = location.get("lon").doubleValue();
                if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) { // else the schema reported it
                    region.location = new GeoPoint(lat, lon);
                }
            }
            region.weight = integer(item, "weight", ConfigDefaults.REGION_WEIGHT);
            KeyPath endpointsPath = itemPath.key("endpoints");
            JsonNode endpointList = item.get("endpoints");
            if (endpointList != null && endpointList.isArray()) {
                if (endpointList.isEmpty()) {
                    problems.add(Origin.CHECK, endpointsPath, tree.valueMark(endpointsPath),
                            "empty list (expected at least one endpoint, e.g. " + EndpointUri.EXAMPLE + ")");
                }
                for (int j = 0; j < endpointList.size(); j++) {
                    JsonNode endpoint = endpointList.get(j);
                    KeyPath endpointPath = endpointsPath.index(j);
                    if (!endpoint.isTextual()) {
                        continue;
                    }
                    try {
                        URI uri = EndpointUri.parse(endpoint.textValue());
                        region.endpoints.add(uri);
                        KeyPath first = endpoints.putIfAbsent(uri, endpointPath);
                        if (first != null) {
                            problems.add(Origin.CHECK, endpointPath, tree.valueMark(endpointPath), "duplicate endpoint "
                                    + Values.quote(endpoint.textValue()) + " (first listed at " + first + ", line "
                                    + tree.valueMark(first).line() + ")");
                        }
                    } catch (IllegalArgumentException e) {
                        problems.add(Origin.CHECK, endpointPath, tree.valueMark(endpointPath), e.getMessage());
                    }
                }
            }
            upstreamProtocol(item, itemPath, region);
            out.add(region);
        }
        return out;
    }

    /** A region's protocol, TLS and probe settings, checked against its endpoints' schemes. */
    private void upstreamProtocol(JsonNode item, KeyPath itemPath, RegionDraft region) {
        region.protocol = choice(item, "protocol", UpstreamProtocol.values(), UpstreamProtocol::configName,
                ConfigDefaults.REGION_PROTOCOL);
        region.probe = choice(item, "probe", ProbeKind.values(), ProbeKind::configName, ConfigDefaults.REGION_PROBE);
        JsonNode service = item.get("grpc-health-service");
        if (service != null && service.isTextual()) {
            region.grpcHealthService = service.textValue();
        }
        KeyPath protocolPath = itemPath.key("protocol");
        boolean anyTls = false;
        for (URI uri : region.endpoints) {
            boolean secure = "https".equals(uri.getScheme());
            anyTls |= secure;
            if (region.protocol == UpstreamProtocol.H2 && !secure) {
                problems.add(Origin.CHECK, protocolPath, tree.valueMark(protocolPath), "'h2' is HTTP/2 over TLS but endpoint "
                        + Values.quote(uri.toString()) + " is http:// (expected https:// endpoints, or protocol 'h2c' for cleartext HTTP/2)");
                break;
            }
            if (region.protocol == UpstreamProtocol.H2C && secure) {
                problems.add(Origin.CHECK, protocolPath, tree.valueMark(protocolPath), "'h2c' is cleartext HTTP/2 but endpoint "
                        + Values.quote(uri.toString()) + " is https:// (expected http:// endpoints, or protocol 'h2' for HTTP/2 over TLS)");
                break;
            }
        }
        if (region.probe == ProbeKind.GRPC && !region.protocol.isHttp2()) {
            KeyPath probePath = itemPath.key("probe");
            problems.add(Origin.CHECK, probePath, tree.valueMark(probePath),
                    "'grpc' probes need an HTTP/2 region (expected protocol 'h2c' or 'h2' on this region)");
        }
        KeyPath tlsPath = itemPath.key("tls");
        JsonNode tls = item.get("tls");
        if (tls != null && tls.isObject()) {
            if (!anyTls && !region.endpoints.isEmpty()) {
                problems.add(Origin.CHECK, tlsPath, tree.valueMark(tlsPath),
                        "TLS settings but every endpoint is http:// (expected https:// endpoints, or no 'tls')");
            }
            String serverName = tls.path("server-name").isTextual() ? tls.get("server-name").textValue() : null;
            region.tls = new UpstreamTlsConfig(optionalFile(tls, tlsPath.key("ca")), serverName,
                    bool(tls, "verify", ConfigDefaults.UPSTREAM_TLS_VERIFY));
        }
    }

    /** A listener's TLS section, or {@code null} when absent (certificate and key are required by the schema). */
    private @Nullable TlsConfig tls(JsonNode parent, KeyPath path) {
        JsonNode tls = parent.get("tls");
        if (tls == null || !tls.isObject()) {
            return null;
        }
        Path certificate = optionalFile(tls, path.key("certificate"));
        Path key = optionalFile(tls, path.key("key"));
        Path clientCa = optionalFile(tls, path.key("client-ca"));
        List<String> protocols = ConfigDefaults.TLS_PROTOCOLS;
        JsonNode list = tls.get("protocols");
        if (list != null && list.isArray()) {
            protocols = new ArrayList<>();
            for (JsonNode p : list) {
                if (p.isTextual() && !protocols.contains(p.textValue())) {
                    protocols.add(p.textValue());
                }
            }
        }
        TlsProvider provider = choice(tls, "provider", TlsProvider.values(), TlsProvider::configName, ConfigDefaults.TLS_PROVIDER);
        KeyPath reloadPath = path.key("reload-interval");
        Duration reload = duration(tls, reloadPath, ConfigDefaults.TLS_RELOAD_INTERVAL, false);
        if (reload.compareTo(TlsConfig.MIN_RELOAD_INTERVAL) < 0) {
            problems.add(Origin.CHECK, reloadPath, tree.valueMark(reloadPath), Values.describe(tls.get("reload-interval"))
                    + " is too short (expected at least " + DurationText.format(TlsConfig.MIN_RELOAD_INTERVAL) + ")");
            return null;
        }
        if (certificate == null || key == null || protocols.isEmpty()) {
            return null; // reported by the schema or optionalFile
        }
        return new TlsConfig(certificate, key, clientCa, protocols, provider, reload);
    }

    /** {@code server.hosts}: lowercase host names, no duplicates. */
    private List<String> hosts(JsonNode server, KeyPath path) {
        JsonNode list = server.get("hosts");
        if (list == null || !list.isArray()) {
            return ConfigDefaults.HOSTS;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            KeyPath itemPath = path.index(i);
            if (!node.isTextual()) {
                continue;
            }
            String host = node.textValue().toLowerCase(Locale.ROOT);
            if (out.contains(host)) {
                problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), "duplicate host " + Values.quote(node.textValue())
                        + " (host names ignore case)");
            } else {
                out.add(host);
            }
        }
        return out;
    }

    private List<RouteDraft> routes(JsonNode root, KeyPath path) {
        List<RouteDraft> out = new ArrayList<>();
        JsonNode list = root.get("routes");
        if (list == null || !list.isArray()) {
            return out;
        }
        Map<String, KeyPath> names = new HashMap<>();
        Map<String, KeyPath> prefixes = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            KeyPath itemPath = path.index(i);
            if (!item.isObject()) {
                continue;
            }
            RouteDraft route = new RouteDraft();
            KeyPath namePath = itemPath.key("name");
            String name = name(item, namePath);
            if (name != null) {
                route.name = name;
                unique(names, name, namePath, "route name");
            }
            KeyPath prefixPath = itemPath.key("path-prefix");
            JsonNode prefix = item.get("path-prefix");
            if (prefix != null && prefix.isTextual()) {
                String problem = PathPrefixRule.problem(prefix.textValue());
                if (problem != null) {
                    problems.add(Origin.CHECK, prefixPath, tree.valueMark(prefixPath), Values.quote(prefix.textValue()) + " " + problem);
                } else {
                    route.prefix = PathPrefixRule.normalize(prefix.textValue());
                    unique(prefixes, route.prefix, prefixPath, "path-prefix");
                    if (ConfigDefaults.DEFAULT_ROUTE_NAME.equals(name) && !route.prefix.equals(ConfigDefaults.DEFAULT_ROUTE_PREFIX)) {
                        problems.add(Origin.CHECK, namePath, tree.valueMark(namePath), "'default' is reserved for the catch-all route "
                                + "(expected another name, or path-prefix '/')");
                    }
                }
            }
            KeyPath timeoutsPath = itemPath.key("timeouts");
            JsonNode timeouts = mapping(item, "timeouts");
            route.connect = optionalDuration(timeouts, timeoutsPath.key("connect"));
            route.firstByte = optionalDuration(timeouts, timeoutsPath.key("first-byte"));
            route.idle = optionalDuration(timeouts, timeoutsPath.key("idle"));
            route.total = optionalDuration(timeouts, timeoutsPath.key("total"));
            route.stickyHeader = headerName(item, itemPath.key("sticky-header"));
            JsonNode retry = mapping(item, "retry");
            route.maxAttempts = integer(retry, "max-attempts", ConfigDefaults.RETRY_MAX_ATTEMPTS);
            route.nonIdempotent = bool(retry, "non-idempotent", ConfigDefaults.RETRY_NON_IDEMPOTENT);
            route.rescue = bool(retry, "rescue", ConfigDefaults.RETRY_RESCUE);
            JsonNode hedge = mapping(item, "hedge");
            route.hedgeEnabled = bool(hedge, "enabled", ConfigDefaults.HEDGE_ENABLED);
            route.hedgeDelay = hedgeDelay(hedge, itemPath.key("hedge").key("delay"));
            KeyPath apdexPath = itemPath.key("apdex");
            JsonNode apdex = mapping(item, "apdex");
            route.apdexSatisfied = duration(apdex, apdexPath.key("satisfied"), ConfigDefaults.APDEX_SATISFIED, false);
            route.apdexTolerated = duration(apdex, apdexPath.key("tolerated"), ConfigDefaults.APDEX_TOLERATED, false);
            route.grpc = bool(item, "grpc", ConfigDefaults.ROUTE_GRPC);
            if (route.apdexTolerated.compareTo(route.apdexSatisfied) < 0) {
                KeyPath at = apdex.has("tolerated") ? apdexPath.key("tolerated") : apdexPath.key("satisfied");
                problems.add(Origin.CHECK, at, tree.valueMark(at), "apdex tolerated (" + route.apdexTolerated.toMillis()
                        + "ms) is shorter than satisfied (" + route.apdexSatisfied.toMillis() + "ms) (expected tolerated >= satisfied)");
            }
            out.add(route);
        }
        return out;
    }

    private List<AdminToken> tokens(JsonNode admin, KeyPath path) {
        List<AdminToken> out = new ArrayList<>();
        JsonNode list = admin.get("tokens");
        if (list == null || !list.isArray()) {
            return ConfigDefaults.ADMIN_TOKENS;
        }
        Map<String, KeyPath> names = new HashMap<>();
        Map<String, KeyPath> secrets = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            KeyPath itemPath = path.index(i);
            if (!item.isObject()) {
                continue;
            }
            String name = name(item, itemPath.key("name"));
            if (name != null) {
                unique(names, name, itemPath.key("name"), "token name");
            }
            KeyPath tokenPath = itemPath.key("token");
            JsonNode token = item.get("token");
            String secret = null;
            if (token != null && token.isTextual()) {
                String text = token.textValue();
                if (text.isEmpty()) {
                    problems.add(Origin.CHECK, tokenPath, tree.valueMark(tokenPath),
                            "empty token (expected a secret, e.g. \"${MERIDIAN_ADMIN_TOKEN}\")");
                } else if (text.chars().anyMatch(Character::isWhitespace)) {
                    problems.add(Origin.CHECK, tokenPath, tree.valueMark(tokenPath),
                            "the token contains whitespace (expected a secret without whitespace; it is sent in an HTTP header)");
                } else {
                    secret = text;
                    KeyPath first = secrets.putIfAbsent(text, tokenPath);
                    if (first != null) {
                        problems.add(Origin.CHECK, tokenPath, tree.valueMark(tokenPath),
                                "the same token as " + first + " (expected one secret per token)");
                    }
                }
            }
            AdminToken.Scope scope = ConfigDefaults.ADMIN_TOKEN_SCOPE;
            JsonNode scopeNode = item.get("scope");
            if (scopeNode != null && scopeNode.isTextual()) {
                for (AdminToken.Scope s : AdminToken.Scope.values()) {
                    if (s.name().toLowerCase(Locale.ROOT).equals(scopeNode.textValue())) {
                        scope = s;
                    }
                }
            }
            if (name != null && secret != null) {
                out.add(new AdminToken(name, secret, scope));
            }
        }
        return out;
    }

    private @Nullable Path database(JsonNode geo, KeyPath path) {
        JsonNode node = geo.get("database");
        if (node == null || !node.isTextual()) {
            return null;
        }
        if (node.textValue().isBlank()) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), "empty path (expected a .mmdb file, or no 'database' key)");
            return null;
        }
        try {
            return Path.of(node.textValue());
        } catch (InvalidPathException e) {
            problems.add(Origin.CHECK, path, tree.valueMark(path),
                    Values.quote(node.textValue()) + " is not a valid path (" + e.getReason() + ")");
            return null;
        }
    }

    /**
     * A file path of the admin section, or {@code null} when absent or reported. Relative paths stay
     * relative: the admin server resolves them against the configuration file's directory.
     */
    private @Nullable Path optionalFile(JsonNode parent, KeyPath path) {
        JsonNode node = parent.get(last(path));
        if (node == null || !node.isTextual()) {
            return null;
        }
        if (node.textValue().isBlank()) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), "empty path (expected a file, or no '" + last(path) + "' key)");
            return null;
        }
        try {
            return Path.of(node.textValue());
        } catch (InvalidPathException e) {
            problems.add(Origin.CHECK, path, tree.valueMark(path),
                    Values.quote(node.textValue()) + " is not a valid path (" + e.getReason() + ")");
            return null;
        }
    }

    private List<CidrRange> trustedProxies(JsonNode geo, KeyPath path) {
        JsonNode list = geo.get("trusted-proxies");
        if (list == null || !list.isArray()) {
            return ConfigDefaults.TRUSTED_PROXIES;
        }
        List<CidrRange> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (item.isTextual()) {
                try {
                    out.add(CidrRange.parse(item.textValue()));
                } catch (IllegalArgumentException e) {
                    problems.add(Origin.CHECK, path.index(i), tree.valueMark(path.index(i)), e.getMessage());
                }
            }
        }
        return out;
    }

    private List<String> locationHeaders(JsonNode geo, KeyPath path) {
        JsonNode list = geo.get("location-headers");
        if (list == null || !list.isArray()) {
            return ConfigDefaults.LOCATION_HEADERS;
        }
        List<String> out = new ArrayList<>();
        Map<String, KeyPath> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            KeyPath itemPath = path.index(i);
            String name = headerName(list, itemPath);
            if (name != null) {
                KeyPath first = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), itemPath);
                if (first != null) {
                    problems.add(Origin.CHECK, itemPath, tree.valueMark(itemPath), "duplicate header name " + Values.quote(name)
                            + " (first used at " + first + ", line " + tree.valueMark(first).line() + "; header names ignore case)");
                } else {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** The header name at {@code path} under {@code parent} (a mapping, or a list when the path ends in an index). */
    private @Nullable String headerName(JsonNode parent, KeyPath path) {
        Object last = path.elements().get(path.elements().size() - 1);
        JsonNode node = last instanceof Integer i ? parent.get(i) : parent.get((String) last);
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return HeaderNameRule.check(node.textValue());
        } catch (IllegalArgumentException e) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), e.getMessage());
            return null;
        }
    }

    private double spillFactor(JsonNode routing, KeyPath path) {
        JsonNode node = routing.get("spill-factor");
        if (node == null || !node.isNumber()) {
            return ConfigDefaults.SPILL_FACTOR; // absent, or the schema reported the type
        }
        double value = node.doubleValue();
        if (!(value >= RoutingConfig.MIN_SPILL_FACTOR && value <= RoutingConfig.MAX_SPILL_FACTOR)) { // NaN too
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.describe(node) + " is out of range (expected: 1.0..10)");
            return ConfigDefaults.SPILL_FACTOR;
        }
        return value;
    }

    /** {@code health.breaker.window}: whole seconds from 1 s to 1 h (Resilience4j's time-based window counts seconds). */
    private Duration breakerWindow(JsonNode breaker, KeyPath path) {
        Duration window = duration(breaker, path, ConfigDefaults.BREAKER_WINDOW, false);
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(BreakerConfig.MAX_WINDOW) > 0
                || window.getNano() != 0) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.describe(breaker.get(last(path)))
                    + " is not a whole number of seconds from 1s to 1h");
            return ConfigDefaults.BREAKER_WINDOW;
        }
        return window;
    }

    /** A number in {@code min..max} (or above {@code min} when {@code exclusiveMin}); NaN and values out of range are reported. */
    private double number(JsonNode parent, KeyPath path, double fallback, double min, double max, boolean exclusiveMin) {
        JsonNode node = parent.get(last(path));
        if (node == null || !node.isNumber()) {
            return fallback; // absent, or the schema reported the type
        }
        double value = node.doubleValue();
        if (!((exclusiveMin ? value > min : value >= min) && value <= max)) { // NaN too
            String expected = exclusiveMin ? "more than " + plain(min) + ", at most " + plain(max) : plain(min) + ".." + plain(max);
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.describe(node) + " is out of range (expected: " + expected + ")");
            return fallback;
        }
        return value;
    }

    /** {@code 0.5} as 0.5 and {@code 1.0} as 1, as the schema writes bounds. */
    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** The probe path: an absolute path, a query allowed, no fragment or whitespace. */
    private String probeTarget(JsonNode probe, KeyPath path) {
        JsonNode node = probe.get("path");
        if (node == null || !node.isTextual()) {
            return ConfigDefaults.PROBE_PATH;
        }
        String problem = ProbeConfig.pathProblem(node.textValue());
        if (problem != null) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.quote(node.textValue()) + " " + problem);
            return ConfigDefaults.PROBE_PATH;
        }
        return node.textValue();
    }

    /** A positive duration, or {@code p95} ({@code null}): the region's live p95 time to first byte. */
    private @Nullable Duration hedgeDelay(JsonNode hedge, KeyPath path) {
        JsonNode node = hedge.get("delay");
        if (node == null) {
            return ConfigDefaults.HEDGE_DELAY;
        }
        String expected = "(expected a positive duration such as 150ms, or " + HedgeConfig.P95 + ")";
        if (node.isTextual()) {
            String text = node.textValue();
            if (text.equals(HedgeConfig.P95)) {
                return null;
            }
            if (DurationText.PATTERN.matcher(text).matches()) {
                try {
                    Duration delay = DurationText.parse(text);
                    if (!delay.isZero()) {
                        return delay;
                    }
                    problems.add(Origin.CHECK, path, tree.valueMark(path), Values.quote(text) + " is zero " + expected);
                } catch (IllegalArgumentException e) {
                    problems.add(Origin.CHECK, path, tree.valueMark(path), e.getMessage());
                }
            } else {
                problems.add(Origin.CHECK, path, tree.valueMark(path), Values.quote(text) + " is neither a duration nor "
                        + HedgeConfig.P95 + " " + expected);
            }
        } else if (node.isIntegralNumber()) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), Values.quote(node.asText()) + " has no unit " + expected);
        }
        return ConfigDefaults.HEDGE_DELAY; // other types: the schema reported them
    }

    private void checkPorts(String listenAddress, int listenPort, String adminAddress, int adminPort) {
        if (!InetLiteral.bindingsClash(listenAddress, listenPort, adminAddress, adminPort)) {
            return;
        }
        KeyPath adminPortPath = KeyPath.of("admin", "port");
        KeyPath listenPortPath = KeyPath.of("listen", "port");
        if (tree.valueMarks().containsKey(adminPortPath) || !tree.valueMarks().containsKey(listenPortPath)) {
            problems.add(Origin.CHECK, adminPortPath, tree.valueMark(adminPortPath), adminPort
                    + " is also listen.port on an overlapping address (expected a different port)");
        } else {
            problems.add(Origin.CHECK, listenPortPath, tree.valueMark(listenPortPath), listenPort
                    + " is also admin.port on an overlapping address (expected a different port)");
        }
    }

    // ---- values ----

    /** The mapping at {@code key}, or an empty node when it is absent or not a mapping (the schema reports that). */
    private static JsonNode mapping(JsonNode parent, String key) {
        JsonNode node = parent.path(key);
        return node.isObject() ? node : MissingNode.getInstance();
    }

    private static int integer(JsonNode parent, String key, int fallback) {
        JsonNode node = parent.get(key);
        return node != null && node.isNumber() && node.canConvertToExactIntegral() && node.canConvertToInt()
                ? node.intValue()
                : fallback;
    }

    /** A whole number in {@code min..max}; anything else was reported by the schema and falls back. */
    private static long count(JsonNode parent, String key, long fallback, long min, long max) {
        JsonNode node = parent.get(key);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            return fallback;
        }
        long value = node.longValue();
        return value >= min && value <= max ? value : fallback;
    }

    /** The constant whose config spelling is the value; an unknown spelling was reported by the schema. */
    private static <E extends Enum<E>> E choice(JsonNode parent, String key, E[] values, Function<E, String> spelling,
            E fallback) {
        JsonNode node = parent.get(key);
        if (node != null && node.isTextual()) {
            for (E e : values) {
                if (spelling.apply(e).equals(node.textValue())) {
                    return e;
                }
            }
        }
        return fallback;
    }

    private static boolean bool(JsonNode parent, String key, boolean fallback) {
        JsonNode node = parent.get(key);
        return node != null && node.isBoolean() ? node.booleanValue() : fallback;
    }

    private static Transport transport(JsonNode parent, Transport fallback) {
        JsonNode node = parent.get("transport");
        if (node != null && node.isTextual()) {
            for (Transport t : Transport.values()) {
                if (t.configName().equals(node.textValue())) {
                    return t;
                }
            }
        }
        return fallback;
    }

    private String address(JsonNode parent, KeyPath path, String fallback) {
        JsonNode node = parent.get(last(path));
        if (node == null || !node.isTextual()) {
            return fallback;
        }
        if (InetLiteral.parse(node.textValue()) == null) {
            problems.add(Origin.CHECK, path, tree.valueMark(path),
                    Values.quote(node.textValue()) + " is not an IP address (" + ADDRESS_EXPECTED + ")");
            return fallback;
        }
        return node.textValue();
    }

    private @Nullable String name(JsonNode parent, KeyPath path) {
        JsonNode node = parent.get(last(path));
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return NameRule.check(node.textValue());
        } catch (IllegalArgumentException e) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), e.getMessage());
            return null;
        }
    }

    /** Reports a repeated value at its second (and later) occurrence, pointing back at the first. */
    private void unique(Map<String, KeyPath> seen, String value, KeyPath path, String what) {
        KeyPath first = seen.putIfAbsent(value, path);
        if (first != null) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), "duplicate " + what + " " + Values.quote(value)
                    + " (first used at " + first + ", line " + tree.valueMark(first).line() + ")");
        }
    }

    private Duration duration(JsonNode parent, KeyPath path, Duration fallback, boolean zeroAllowed) {
        JsonNode node = parent.get(last(path));
        if (node == null) {
            return fallback;
        }
        Duration value = durationValue(node, path, zeroAllowed);
        return value != null ? value : fallback;
    }

    private @Nullable Duration optionalDuration(JsonNode parent, KeyPath path) {
        JsonNode node = parent.get(last(path));
        return node == null ? null : durationValue(node, path, false);
    }

    private @Nullable Duration durationValue(JsonNode node, KeyPath path, boolean zeroAllowed) {
        String problem;
        if (node.isTextual()) {
            try {
                Duration d = DurationText.parse(node.textValue());
                if (!d.isZero() || zeroAllowed) {
                    return d;
                }
                problem = Values.quote(node.textValue()) + " is zero (expected a positive duration, " + DurationText.EXAMPLES + ")";
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        } else if (node.isIntegralNumber()) {
            problem = node.asText().equals("0") ? DurationText.zeroWithoutUnit() : DurationText.noUnit(node.asText());
        } else {
            problem = "expected a duration (" + DurationText.EXAMPLES + "), found " + Values.describe(node);
        }
        problems.add(Origin.CHECK, path, tree.valueMark(path), problem);
        return null;
    }

    private long size(JsonNode parent, KeyPath path, long fallback, long min, long max) {
        JsonNode node = parent.get(last(path));
        if (node == null) {
            return fallback;
        }
        String shown = Values.describe(node);
        long bytes;
        if (node.isTextual()) {
            try {
                bytes = SizeText.parse(node.textValue());
            } catch (IllegalArgumentException e) {
                problems.add(Origin.CHECK, path, tree.valueMark(path), e.getMessage());
                return fallback;
            }
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            bytes = node.longValue();
        } else if (node.isIntegralNumber()) {
            bytes = Long.MAX_VALUE; // beyond any bound
        } else if (node.isNumber()) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), shown + " is not a size (expected " + SizeText.EXPECTED + ")");
            return fallback;
        } else {
            problems.add(Origin.CHECK, path, tree.valueMark(path),
                    "expected a size (" + SizeText.EXPECTED + "), found " + shown);
            return fallback;
        }
        if (bytes < min) {
            problems.add(Origin.CHECK, path, tree.valueMark(path),
                    shown + " is too small (expected at least " + min + (min == 1 ? " byte)" : " bytes)"));
            return fallback;
        }
        if (bytes > max || (node.isIntegralNumber() && !node.canConvertToLong())) {
            problems.add(Origin.CHECK, path, tree.valueMark(path), shown + " is too large (expected at most " + max + " bytes)");
            return fallback;
        }
        return bytes;
    }

    private static String last(KeyPath path) {
        return (String) path.elements().get(path.elements().size() - 1);
    }
}
