package dev.meridian.config.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.BreakerConfig;
import dev.meridian.config.ConfigDefaults;
import dev.meridian.config.DnsConfig;
import dev.meridian.config.GeoConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.OutlierConfig;
import dev.meridian.config.PanicMode;
import dev.meridian.config.ProbeConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetriesConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.RoutingMode;
import dev.meridian.config.ServerConfig;
import dev.meridian.config.StallConfig;
import dev.meridian.config.Transport;
import dev.meridian.config.syntax.DurationText;
import dev.meridian.config.syntax.NameRule;
import dev.meridian.config.syntax.PercentText;
import dev.meridian.config.syntax.SizeText;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The schema is the documented truth; these tests keep it equal to the code. */
class ConfigSchemaTest {

    private static final JsonNode SCHEMA = read(ConfigReference.schema());

    /** Each key path with a schema default, and the ConfigDefaults constant it must equal. */
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            entry("listen.address", "LISTEN_ADDRESS"),
            entry("listen.port", "LISTEN_PORT"),
            entry("listen.proxy-protocol", "PROXY_PROTOCOL"),
            entry("listen.tls.protocols", "TLS_PROTOCOLS"),
            entry("listen.tls.provider", "TLS_PROVIDER"),
            entry("listen.tls.reload-interval", "TLS_RELOAD_INTERVAL"),
            entry("admin.tls.protocols", "TLS_PROTOCOLS"),
            entry("admin.tls.provider", "TLS_PROVIDER"),
            entry("admin.tls.reload-interval", "TLS_RELOAD_INTERVAL"),
            entry("server.event-loops", "EVENT_LOOPS"),
            entry("server.transport", "TRANSPORT"),
            entry("server.max-initial-line-length", "MAX_INITIAL_LINE_LENGTH"),
            entry("server.max-header-size", "MAX_HEADER_SIZE"),
            entry("server.max-request-body", "MAX_REQUEST_BODY"),
            entry("server.client-idle-timeout", "CLIENT_IDLE_TIMEOUT"),
            entry("server.shutdown-grace", "SHUTDOWN_GRACE"),
            entry("server.region-header", "REGION_HEADER"),
            entry("server.request-head-timeout", "REQUEST_HEAD_TIMEOUT"),
            entry("server.request-body-timeout", "REQUEST_BODY_TIMEOUT"),
            entry("server.max-connections", "MAX_CONNECTIONS"),
            entry("server.max-connections-per-ip", "MAX_CONNECTIONS_PER_IP"),
            entry("server.max-pipelined-requests", "MAX_PIPELINED_REQUESTS"),
            entry("server.hosts", "HOSTS"),
            entry("server.http2.enabled", "HTTP2_ENABLED"),
            entry("server.http2.max-concurrent-streams", "HTTP2_MAX_CONCURRENT_STREAMS"),
            entry("server.http2.initial-window-size", "HTTP2_INITIAL_WINDOW_SIZE"),
            entry("server.http2.max-resets-per-second", "HTTP2_MAX_RESETS_PER_SECOND"),
            entry("upstream.max-connections-per-endpoint", "MAX_CONNECTIONS_PER_ENDPOINT"),
            entry("upstream.max-pending-acquires", "MAX_PENDING_ACQUIRES"),
            entry("upstream.idle-timeout", "UPSTREAM_IDLE_TIMEOUT"),
            entry("dns.servers", "DNS_SERVERS"),
            entry("dns.min-refresh", "DNS_MIN_REFRESH"),
            entry("dns.max-refresh", "DNS_MAX_REFRESH"),
            entry("dns.query-timeout", "DNS_QUERY_TIMEOUT"),
            entry("dns.lookup-family", "DNS_LOOKUP_FAMILY"),
            entry("timeouts.connect", "CONNECT_TIMEOUT"),
            entry("timeouts.first-byte", "FIRST_BYTE_TIMEOUT"),
            entry("timeouts.idle", "IDLE_TIMEOUT"),
            entry("timeouts.total", "TOTAL_TIMEOUT"),
            entry("admin.address", "ADMIN_ADDRESS"),
            entry("admin.port", "ADMIN_PORT"),
            entry("admin.tokens", "ADMIN_TOKENS"),
            entry("admin.tokens[].scope", "ADMIN_TOKEN_SCOPE"),
            entry("admin.state-file", "ADMIN_STATE_FILE"),
            entry("admin.audit-file", "ADMIN_AUDIT_FILE"),
            entry("admin.allow-insecure", "ADMIN_ALLOW_INSECURE"),
            entry("admin.max-request-body", "ADMIN_MAX_REQUEST_BODY"),
            entry("fleet.etcd.prefix", "ETCD_PREFIX"),
            entry("slo-controller.mode", "CONTROLLER_MODE"),
            entry("slo-controller.windows.short", "CONTROLLER_SHORT_WINDOW"),
            entry("slo-controller.windows.long", "CONTROLLER_LONG_WINDOW"),
            entry("slo-controller.objectives.availability", "CONTROLLER_AVAILABILITY"),
            entry("slo-controller.objectives.apdex", "CONTROLLER_APDEX"),
            entry("slo-controller.burn-threshold", "CONTROLLER_BURN_THRESHOLD"),
            entry("slo-controller.step", "CONTROLLER_STEP"),
            entry("slo-controller.floor", "CONTROLLER_FLOOR"),
            entry("slo-controller.cool-down", "CONTROLLER_COOL_DOWN"),
            entry("slo-controller.interval", "CONTROLLER_INTERVAL"),
            entry("slo-controller.min-attempts", "CONTROLLER_MIN_ATTEMPTS"),
            entry("fleet.etcd.timeouts.connect", "ETCD_CONNECT_TIMEOUT"),
            entry("fleet.etcd.timeouts.request", "ETCD_REQUEST_TIMEOUT"),
            entry("fleet.etcd.cache-file", "ETCD_CACHE_FILE"),
            entry("geo.required", "GEO_REQUIRED"),
            entry("geo.reload-interval", "GEO_RELOAD_INTERVAL"),
            entry("geo.cache-size", "GEO_CACHE_SIZE"),
            entry("geo.node-cache-size", "GEO_NODE_CACHE_SIZE"),
            entry("geo.trusted-proxies", "TRUSTED_PROXIES"),
            entry("geo.location-headers", "LOCATION_HEADERS"),
            entry("routing.mode", "ROUTING_MODE"),
            entry("routing.tie-band", "TIE_BAND"),
            entry("routing.spill-factor", "SPILL_FACTOR"),
            entry("routing.hysteresis", "HYSTERESIS"),
            entry("routing.hysteresis-period", "HYSTERESIS_PERIOD"),
            entry("routing.panic", "PANIC"),
            entry("routing.default-ttfb", "DEFAULT_TTFB"),
            entry("routing.ttfb-decay", "TTFB_DECAY"),
            entry("health.probe.enabled", "PROBE_ENABLED"),
            entry("health.probe.path", "PROBE_PATH"),
            entry("health.probe.interval", "PROBE_INTERVAL"),
            entry("health.probe.jitter", "PROBE_JITTER"),
            entry("health.probe.timeout", "PROBE_TIMEOUT"),
            entry("health.probe.unhealthy-threshold", "PROBE_UNHEALTHY_THRESHOLD"),
            entry("health.probe.healthy-threshold", "PROBE_HEALTHY_THRESHOLD"),
            entry("health.outlier.consecutive-failures", "OUTLIER_CONSECUTIVE_FAILURES"),
            entry("health.outlier.base-ejection", "OUTLIER_BASE_EJECTION"),
            entry("health.outlier.max-ejection", "OUTLIER_MAX_EJECTION"),
            entry("health.outlier.max-ejected-percent", "OUTLIER_MAX_EJECTED_PERCENT"),
            entry("health.outlier.uneject-on-probe-success", "OUTLIER_UNEJECT_ON_PROBE_SUCCESS"),
            entry("health.stall.enabled", "STALL_ENABLED"),
            entry("health.stall.multiplier", "STALL_MULTIPLIER"),
            entry("health.stall.min-threshold", "STALL_MIN_THRESHOLD"),
            entry("health.stall.overdue-attempts", "STALL_OVERDUE_ATTEMPTS"),
            entry("health.stall.max-waiting", "STALL_MAX_WAITING"),
            entry("health.breaker.failure-rate-threshold", "BREAKER_FAILURE_RATE_THRESHOLD"),
            entry("health.breaker.slow-call-rate-threshold", "BREAKER_SLOW_CALL_RATE_THRESHOLD"),
            entry("health.breaker.slow-call-duration", "BREAKER_SLOW_CALL_DURATION"),
            entry("health.breaker.window", "BREAKER_WINDOW"),
            entry("health.breaker.minimum-calls", "BREAKER_MINIMUM_CALLS"),
            entry("health.breaker.open-duration", "BREAKER_OPEN_DURATION"),
            entry("health.breaker.half-open-calls", "BREAKER_HALF_OPEN_CALLS"),
            entry("health.rate-limit.default-retry-after", "RATE_LIMIT_DEFAULT_RETRY_AFTER"),
            entry("health.rate-limit.capacity", "RATE_LIMIT_CAPACITY"),
            entry("retries.budget-ratio", "RETRY_BUDGET_RATIO"),
            entry("retries.budget-window", "RETRY_BUDGET_WINDOW"),
            entry("retries.min-per-second", "RETRY_MIN_PER_SECOND"),
            entry("retries.replay-buffer", "REPLAY_BUFFER"),
            entry("regions[].weight", "REGION_WEIGHT"),
            entry("regions[].protocol", "REGION_PROTOCOL"),
            entry("regions[].tls.verify", "UPSTREAM_TLS_VERIFY"),
            entry("regions[].probe", "REGION_PROBE"),
            entry("regions[].grpc-health-service", "REGION_GRPC_HEALTH_SERVICE"),
            entry("routes[].grpc", "ROUTE_GRPC"),
            entry("routes", "ROUTES"),
            entry("routes[].retry.max-attempts", "RETRY_MAX_ATTEMPTS"),
            entry("routes[].retry.non-idempotent", "RETRY_NON_IDEMPOTENT"),
            entry("routes[].retry.rescue", "RETRY_RESCUE"),
            entry("routes[].hedge.enabled", "HEDGE_ENABLED"),
            entry("routes[].hedge.delay", "HEDGE_DELAY"),
            entry("routes[].apdex.satisfied", "APDEX_SATISFIED"),
            entry("routes[].apdex.tolerated", "APDEX_TOLERATED"),
            entry("access-log.enabled", "ACCESS_LOG_ENABLED"),
            entry("access-log.buffer-lines", "ACCESS_LOG_BUFFER_LINES"));

    @Test
    void everySchemaDefaultEqualsItsConfigDefaultsConstant() throws Exception {
        Map<String, JsonNode> schemaDefaults = new LinkedHashMap<>();
        walk((path, node) -> {
            if (node.has("default")) {
                schemaDefaults.put(path, node.get("default"));
            }
        });

        assertThat(schemaDefaults.keySet()).as("keys with a default in the schema").containsExactlyInAnyOrderElementsOf(DEFAULTS.keySet());
        for (Map.Entry<String, JsonNode> e : schemaDefaults.entrySet()) {
            Object constant = ConfigDefaults.class.getField(DEFAULTS.get(e.getKey())).get(null);
            assertThat(javaValue(e.getValue(), constant))
                    .as("schema default of %s vs ConfigDefaults.%s", e.getKey(), DEFAULTS.get(e.getKey()))
                    .isEqualTo(constant);
        }
    }

    @Test
    void everyConfigDefaultsConstantIsDocumentedInTheSchema() {
        Set<String> constants = new TreeSet<>();
        for (Field f : ConfigDefaults.class.getDeclaredFields()) {
            if (Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers())) {
                constants.add(f.getName());
            }
        }
        Set<String> documented = new TreeSet<>(DEFAULTS.values());
        // The catch-all route has no key of its own; the routes description names it.
        documented.add("DEFAULT_ROUTE_NAME");
        documented.add("DEFAULT_ROUTE_PREFIX");

        assertThat(constants).isEqualTo(documented);
        assertThat(SCHEMA.at("/properties/routes/description").asText())
                .contains("`" + ConfigDefaults.DEFAULT_ROUTE_NAME + "`", "prefix `" + ConfigDefaults.DEFAULT_ROUTE_PREFIX + "`");
    }

    @Test
    void everyKeyHasADescription() {
        List<String> undocumented = new ArrayList<>();
        walk((path, node) -> {
            if (!node.path("description").isTextual() || node.path("description").asText().isBlank()) {
                undocumented.add(path);
            }
        });

        assertThat(undocumented).isEmpty();
    }

    @Test
    void everyMappingRefusesUnknownKeys() {
        List<String> open = new ArrayList<>();
        walk((path, node) -> {
            JsonNode items = node.path("items");
            for (JsonNode n : List.of(node, items)) {
                if (n.path("type").asText().equals("object") && !n.path("additionalProperties").isBoolean()) {
                    open.add(path);
                }
                if (n.path("type").asText().equals("object") && n.path("additionalProperties").asBoolean(true)) {
                    open.add(path);
                }
            }
        });

        assertThat(SCHEMA.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(open).isEmpty();
    }

    @Test
    void schemaIsAValidDraft202012Schema() {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        Schema meta = registry.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

        assertThat(meta.validate(SCHEMA)).isEmpty();
        assertThat(SCHEMA.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    }

    @Test
    void schemaPatternsAreTheOnesTheCodeUses() {
        assertThat(SCHEMA.at("/$defs/duration/pattern").asText()).isEqualTo("^" + DurationText.PATTERN.pattern() + "$");
        assertThat(SCHEMA.at("/$defs/size/pattern").asText()).isEqualTo("^" + SizeText.PATTERN.pattern() + "$");
        assertThat(SCHEMA.at("/$defs/name/pattern").asText()).isEqualTo("^" + NameRule.NAME.pattern().pattern() + "$");
        assertThat(SCHEMA.at("/$defs/header-name/pattern").asText()).isEqualTo("^" + NameRule.HEADER_NAME.pattern().pattern() + "$");
    }

    /** Each bound the schema states, with the constant the record's constructor enforces. */
    static Stream<Arguments> schemaBounds() {
        return Stream.of(
                arguments("/properties/regions/items/properties/weight/minimum", RegionConfig.MIN_WEIGHT),
                arguments("/properties/regions/items/properties/weight/maximum", RegionConfig.MAX_WEIGHT),
                arguments("/properties/server/properties/event-loops/maximum", ServerConfig.MAX_EVENT_LOOPS),
                arguments("/properties/routing/properties/spill-factor/minimum", RoutingConfig.MIN_SPILL_FACTOR),
                arguments("/properties/routing/properties/spill-factor/maximum", RoutingConfig.MAX_SPILL_FACTOR),
                arguments("/properties/geo/properties/cache-size/maximum", GeoConfig.MAX_CACHE_SIZE),
                arguments("/properties/geo/properties/node-cache-size/maximum", GeoConfig.MAX_CACHE_SIZE),
                arguments("/properties/dns/properties/servers/maxItems", DnsConfig.MAX_SERVERS),
                arguments("/properties/health/properties/probe/properties/jitter/maximum", ProbeConfig.MAX_JITTER),
                arguments("/properties/health/properties/probe/properties/unhealthy-threshold/maximum", ProbeConfig.MAX_THRESHOLD),
                arguments("/properties/health/properties/probe/properties/healthy-threshold/maximum", ProbeConfig.MAX_THRESHOLD),
                arguments("/properties/health/properties/outlier/properties/consecutive-failures/maximum",
                        OutlierConfig.MAX_CONSECUTIVE_FAILURES),
                arguments("/properties/health/properties/breaker/properties/minimum-calls/maximum", BreakerConfig.MAX_MINIMUM_CALLS),
                arguments("/properties/health/properties/breaker/properties/half-open-calls/maximum", BreakerConfig.MAX_HALF_OPEN_CALLS),
                arguments("/properties/health/properties/stall/properties/multiplier/maximum", StallConfig.MAX_MULTIPLIER),
                arguments("/properties/health/properties/stall/properties/overdue-attempts/maximum", StallConfig.MAX_OVERDUE_ATTEMPTS),
                arguments("/properties/health/properties/stall/properties/max-waiting/maximum", StallConfig.MAX_WAITING),
                arguments("/properties/retries/properties/min-per-second/maximum", RetriesConfig.MAX_MIN_PER_SECOND),
                arguments("/properties/retries/properties/replay-buffer/maximum", Integer.MAX_VALUE),
                arguments("/properties/admin/properties/max-request-body/maximum", AdminConfig.MAX_REQUEST_BODY_LIMIT),
                arguments("/properties/routes/items/properties/retry/properties/max-attempts/maximum", RetryConfig.MAX_ATTEMPTS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaBounds")
    void schemaBoundsAreTheOnesTheRecordsEnforce(String pointer, Number bound) {
        JsonNode node = SCHEMA.at(pointer);

        assertThat(node.isNumber()).as("%s is a number", pointer).isTrue();
        assertThat(node.decimalValue()).isEqualByComparingTo(new BigDecimal(bound.toString()));
    }

    @Test
    void schemaEnumsAndPatternsAreTheOnesTheCodeSpells() {
        assertThat(SCHEMA.at("/properties/server/properties/transport/enum").toString())
                .isEqualTo("[\"auto\",\"epoll\",\"nio\"]");
        assertThat(Transport.values()).extracting(Transport::configName).containsExactly("auto", "epoll", "nio");
        assertThat(SCHEMA.at("/properties/routing/properties/mode/enum").toString()).isEqualTo("[\"distance\",\"latency-aware\"]");
        assertThat(RoutingMode.values()).extracting(RoutingMode::configName).containsExactly("distance", "latency-aware");
        assertThat(SCHEMA.at("/properties/routing/properties/panic/enum").toString()).isEqualTo("[\"route\",\"reject\"]");
        assertThat(PanicMode.values()).extracting(PanicMode::configName).containsExactly("route", "reject");
        assertThat(SCHEMA.at("/properties/dns/properties/lookup-family/enum").toString())
                .isEqualTo("[\"v4-only\",\"v6-only\",\"v4-preferred\",\"v6-preferred\",\"all\"]");
        assertThat(SCHEMA.at("/properties/routes/items/properties/hedge/properties/delay/pattern").asText())
                .isEqualTo("^(" + HedgeConfig.P95 + "|" + DurationText.PATTERN.pattern() + ")$");
    }

    /** Visits every key of the schema with its path as written in the docs ({@code regions[].weight}). */
    static void walk(BiConsumer<String, JsonNode> visitor) {
        walkProperties("", SCHEMA, visitor);
    }

    private static void walkProperties(String prefix, JsonNode object, BiConsumer<String, JsonNode> visitor) {
        object.path("properties").properties().forEach(p -> {
            String path = prefix.isEmpty() ? p.getKey() : prefix + "." + p.getKey();
            JsonNode node = p.getValue();
            visitor.accept(path, node);
            walkProperties(path, node, visitor);
            walkProperties(path + "[]", node.path("items"), visitor);
        });
    }

    private static @Nullable Object javaValue(JsonNode value, @Nullable Object like) {
        if (like == null) {
            // The only null default: the hedge delay, spelled p95.
            return value.textValue().equals(HedgeConfig.P95) ? null : value.textValue();
        }
        if (like instanceof Duration) {
            return DurationText.parse(value.textValue());
        }
        if (like instanceof Path) {
            return Path.of(value.textValue());
        }
        if (like instanceof Integer) {
            return value.isTextual() ? (Object) (int) SizeText.parse(value.textValue()) : (Object) value.intValue();
        }
        if (like instanceof Long) {
            return value.isTextual() ? SizeText.parse(value.textValue()) : value.longValue();
        }
        if (like instanceof Double) {
            if (value.isTextual() && PercentText.PATTERN.matcher(value.textValue()).matches()) {
                return PercentText.parse(value.textValue());
            }
            return value.isNumber() ? (Object) value.doubleValue() : value.toString();
        }
        if (like instanceof Boolean) {
            return value.booleanValue();
        }
        if (like instanceof Enum<?> e) {
            return value.textValue().equals(e.name().toLowerCase(Locale.ROOT).replace('_', '-')) ? like : value.textValue();
        }
        if (like instanceof List<?>) {
            if (value.isArray() && ((List<?>) like).stream().allMatch(String.class::isInstance)) {
                List<String> strings = new ArrayList<>();
                value.forEach(item -> strings.add(item.textValue()));
                return strings;
            }
            return value.isArray() && value.isEmpty() ? List.of() : value.toString();
        }
        return value.textValue();
    }

    private static JsonNode read(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
