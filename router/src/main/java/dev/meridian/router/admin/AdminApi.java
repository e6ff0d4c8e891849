package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.loading.ConfigProblem;
import dev.meridian.config.GeoPoint;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.health.HealthReport;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.GeoDatabaseException;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.regions.RoutingExplanation;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.discovery.DnsDiscovery;
import dev.meridian.router.discovery.NameStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoints as plain functions from a request's parts to a reply; {@link AdminServer}
 * does the HTTP. Every method may block (files, DNS on reload), so the server calls them on its
 * worker threads, never on an event loop.
 *
 * <p>Writes on this instance are serialized by one lock; under it, the {@link StateStore} checks
 * {@code If-Match} (412 when it names another revision, so of two writers that read the same
 * revision exactly one wins, on one instance or across a fleet), makes the change durable, applies
 * it and publishes it; then the audit line is appended. Reads never take the lock; they read the
 * store's current {@link AdminState}.
 */
final class AdminApi {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    /** What a write does to one region. */
    enum Action {
        WEIGHT("weight"),
        RESET_WEIGHT("reset_weight"),
        DRAIN("drain"),
        UNDRAIN("undrain"),
        DIAL("dial");

        private final String auditName;

        Action(String auditName) {
            this.auditName = auditName;
        }
    }

    /** Who is calling: the token's name (never the secret) and the peer address, for the audit line. */
    record Caller(String token, String remote) {}

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /** Longest {@code reason} kept in the audit trail. */
    static final int MAX_REASON_LENGTH = 500;
    /** A write waits this long for another one (a reload resolving host names) before answering 503. */
    private static final long LOCK_WAIT_SECONDS = 30;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final MeridianServer server;
    private final @Nullable Path configFile;
    private final StateStore store;
    private final AuditLog audit;
    private final AtomicReference<AdminConfig> access;
    private final Function<AdminConfig, AdminConfig> withFileTokens;
    private final ReentrantLock writes = new ReentrantLock();
    private volatile Function<String, @Nullable JsonNode> controllerView = region -> null;

    /**
     * @param access the admin configuration in force, with the token file's tokens merged in
     * @param withFileTokens merges the token file named by an admin configuration into it (for reloads)
     */
    AdminApi(MeridianServer server, @Nullable Path configFile, StateStore store, AuditLog audit,
            AtomicReference<AdminConfig> access, Function<AdminConfig, AdminConfig> withFileTokens) {
        this.server = requireNonNull(server, "server");
        this.configFile = configFile;
        this.store = requireNonNull(store, "store");
        this.audit = requireNonNull(audit, "audit");
        this.access = requireNonNull(access, "access");
        this.withFileTokens = requireNonNull(withFileTokens, "withFileTokens");
    }

    AdminState state() {
        return store.current();
    }

    /** Where explain finds the SLO controller's view of a region (its burn rates and next step). */
    void useController(Function<String, @Nullable JsonNode> view) {
        this.controllerView = requireNonNull(view, "view");
    }

    // ---- probes ----

    AdminReply healthz() {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "alive");
        return AdminReply.json(200, body);
    }

    AdminReply ready() {
        boolean ready = server.ready();
        ObjectNode body = JSON.createObjectNode();
        body.put("ready", ready);
        if (!ready) {
            body.put("detail", "no region can take requests (every region drained, at weight 0, broken or without a healthy endpoint)");
        }
        return AdminReply.json(ready ? 200 : 503, body);
    }

    // ---- reads ----

    AdminReply metrics(@Nullable String accept) {
        MeterRegistry registry = server.meterRegistry();
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            throw AdminError.of(503, "metrics_unavailable", "the router's meter registry is not a Prometheus registry");
        }
        String contentType = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        return AdminReply.text(200, contentType, prometheus.scrape(contentType));
    }

    AdminReply regions() {
        AdminState current = store.current();
        return AdminReply.json(200, view(current)).withRevision(current.revision());
    }

    /** {@code GET /admin/explain?ip=…&lat=…&lon=…&path=…&tenant=…}: the routing policy's explain with live health. */
    AdminReply explain(Map<String, List<String>> query) {
        for (String key : query.keySet()) {
            if (!Set.of("ip", "lat", "lon", "path", "tenant").contains(key)) {
                throw AdminError.badRequest("invalid_parameter", "unknown parameter '" + key + "' (expected ip, lat, lon, path, tenant)");
            }
        }
        String ip = single(query, "ip");
        if (ip == null || ip.isEmpty()) {
            throw AdminError.badRequest("invalid_parameter", "ip: required (the client's IP address, e.g. ip=203.0.113.7)");
        }
        InetAddress client = NetUtil.createInetAddressFromIpAddressString(ip);
        if (client == null) {
            throw AdminError.badRequest("invalid_parameter", "ip: '" + ip + "' is not an IP address literal");
        }
        String lat = single(query, "lat");
        String lon = single(query, "lon");
        if ((lat == null) != (lon == null)) {
            throw AdminError.badRequest("invalid_parameter", "lat and lon go together (expected both or neither)");
        }
        ClientLocation location = null;
        if (lat != null && lon != null) {
            location = new ClientLocation(degrees("lat", lat, 90), degrees("lon", lon, 180), ClientLocation.Source.HEADER, null);
        }
        String path = single(query, "path");
        if (path == null) {
            path = "/";
        } else if (!path.startsWith("/")) {
            throw AdminError.badRequest("invalid_parameter", "path: '" + path + "' (expected a request path starting with /)");
        }
        RoutingExplanation explanation = server.explain(client, location, path, single(query, "tenant"));
        ObjectNode body = JSON.valueToTree(explanation);
        Map<String, NameStatus> names = server.dnsNames();
        MeridianConfig config = server.config();
        for (JsonNode candidate : body.path("candidates")) {
            RegionConfig region = config.region(candidate.path("region").asText());
            if (region != null && candidate instanceof ObjectNode c) {
                c.set("names", namesJson(region, names));
                JsonNode controller = controllerView.apply(region.name());
                if (controller != null) {
                    c.set("controller", controller);
                }
            }
        }
        return AdminReply.json(200, body);
    }

    private static @Nullable String single(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw AdminError.badRequest("invalid_parameter", key + ": given " + values.size() + " times (expected once)");
        }
        return values.get(0);
    }

    private static double degrees(String key, String text, double bound) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw AdminError.badRequest("invalid_parameter", key + ": '" + text + "' is not a number (expected degrees, e.g. 48.86)");
        }
        if (!(value >= -bound && value <= bound)) { // NaN too
            throw AdminError.badRequest("invalid_parameter", key + ": " + text + " is out of range (expected -" + (int) bound
                    + ".." + (int) bound + ")");
        }
        return value;
    }

    // ---- writes ----

    /**
     * Changes one region's weight, drain or dial, or (with {@code dryRun}) answers what the
     * traffic shares would become without changing anything.
     */
    AdminReply changeRegion(Action action, String name, byte[] body, @Nullable String ifMatch, boolean dryRun, Caller caller) {
        Change change = parseChange(action, body);
        regionNamed(name); // 404 before anything else
        IfMatch condition = IfMatch.parse(ifMatch);
        UnaryOperator<RegionOverrides> edit = overrides -> apply(action, name, change, overrides, caller.token());
        if (dryRun) {
            AdminState current = store.current();
            if (condition != null && !condition.matches(current.revision())) {
                throw condition.failed(current.revision());
            }
            RegionConfig region = regionNamed(name);
            return dryRun(action, region, current, edit.apply(current.overrides()));
        }
        AdminState after = write(action, name, edit, condition, caller, change.reason, null).after();
        return AdminReply.json(200, view(after)).withRevision(after.revision());
    }

    /**
     * Turns {@code name}'s dial to {@code percent} as {@code actor}, the way {@link RegionDials}
     * documents: an SRE (the name of a write token) sets percent and baseline and pins the dial,
     * as {@code PUT /admin/regions/{name}/dial} does; anyone else moves only the percent, never
     * above the baseline and never on a pinned dial ({@link RegionDials.Refused}). Blocks on the
     * store; audited with {@code details}.
     *
     * @return the revision after the change (the current one when the dial was already there)
     */
    long turnDial(String name, int percent, String actor, Map<String, Object> details, @Nullable IfMatch condition) {
        try {
            RegionDial.checkPercent("percent", percent);
        } catch (IllegalArgumentException e) {
            throw new RegionDials.Refused(RegionDials.Refused.Reason.INVALID_PERCENT, e.getMessage());
        }
        UnaryOperator<RegionOverrides> edit;
        if (isSre(actor)) {
            Change change = new Change(-1, percent, null, null);
            edit = overrides -> apply(Action.DIAL, name, change, overrides, actor);
        } else {
            edit = overrides -> {
                RegionDial dial = overrides.dial(name);
                if (dial.pinned()) {
                    throw new RegionDials.Refused(RegionDials.Refused.Reason.PINNED, "region " + name + "'s dial is pinned at "
                            + dial.percent() + "% by " + dial.setBy() + "; " + actor + " may not turn it until an SRE unpins it");
                }
                if (percent > dial.baseline()) {
                    throw new RegionDials.Refused(RegionDials.Refused.Reason.ABOVE_BASELINE, "percent: " + percent
                            + " is above region " + name + "'s baseline " + dial.baseline() + " (where the SRE left it)");
                }
                return overrides.withDial(name, new RegionDial(percent, dial.baseline(), false, actor));
            };
        }
        return write(Action.DIAL, name, edit, condition, new Caller(actor, RegionDials.REMOTE), null, JSON.valueToTree(details))
                .after().revision();
    }

    /**
     * Whether {@code actor} names an admin token that may write: an SRE, whose dial changes pin.
     * The SLO controller never is, even if a token were named after it.
     */
    private boolean isSre(String actor) {
        return !actor.equals(RegionDials.SLO_CONTROLLER) && access.get().tokens().stream()
                .anyMatch(t -> t.name().equals(actor) && t.scope().includes(AdminToken.Scope.WRITE));
    }

    /**
     * One region change, the one path every writer takes: under this instance's write lock, the
     * store checks {@code If-Match}, makes {@code edit} durable and applies it (on every instance
     * of a fleet); a change that changed something is audited.
     */
    private StateStore.Change write(Action action, String name, UnaryOperator<RegionOverrides> edit, @Nullable IfMatch condition,
            Caller caller, @Nullable String reason, @Nullable JsonNode details) {
        lock();
        try {
            RegionConfig region = regionNamed(name); // again: a reload may have removed it meanwhile
            StateStore.Change made;
            try {
                made = store.change(region.name(), edit, condition);
            } catch (StateStore.PreconditionFailed e) {
                throw requireNonNull(condition, "a precondition failed without If-Match").failed(e.current());
            } catch (StateStore.StoreUnavailable e) {
                throw AdminError.of(e.status(), e.error(), e.getMessage());
            }
            AdminState after = made.after();
            if (made.changed()) {
                ObjectNode line = audit.record(caller.token(), caller.remote(), action.auditName, region.name(),
                        summary(region, made.before().overrides()), summary(region, after.overrides()), after.revision(), reason,
                        details);
                store.recordAudit(line, after.revision());
            }
            return made;
        } finally {
            writes.unlock();
        }
    }

    /**
     * {@code POST /admin/reload}: re-reads the configuration file. An invalid one is refused with
     * its problems and the running configuration stays. Overrides of regions still configured
     * (same name) are kept; those of regions no longer configured are dropped.
     */
    AdminReply reload(@Nullable String ifMatch, Caller caller) {
        Path file = configFile;
        if (file == null) {
            throw AdminError.of(409, "no_config_file", "the router was not started from a configuration file; nothing to reload");
        }
        lock();
        try {
            AdminState current = store.current();
            IfMatch condition = IfMatch.parse(ifMatch);
            if (condition != null && !condition.matches(current.revision())) {
                throw condition.failed(current.revision());
            }
            MeridianConfig next;
            AdminConfig nextAccess;
            try {
                next = ConfigLoader.create().load(file);
                nextAccess = withFileTokens.apply(next.admin());
            } catch (ConfigException e) {
                throw AdminError.invalidConfig(e.problems().stream().map(ConfigProblem::toString).toList());
            }
            if (nextAccess.tokens().isEmpty()) {
                throw AdminError.badRequest("reload_refused", file + " has no admin tokens: after this reload nobody could "
                        + "call the admin API again (add a token, or restart to run without one)");
            }
            MeridianConfig old = server.config();
            try {
                server.reload(next);
            } catch (IllegalArgumentException | IllegalStateException | GeoDatabaseException e) {
                throw AdminError.badRequest("reload_failed", "the configuration was not applied: " + e.getMessage());
            }
            access.set(nextAccess);
            List<String> names = next.regions().stream().map(RegionConfig::name).toList();
            AdminState updated = store.retainRegions(names);
            RegionOverrides kept = updated.overrides();
            ObjectNode dropped = overridesJson(new RegionOverrides(
                    minus(current.overrides().weights(), kept.weights()),
                    minusSet(current.overrides().drained(), kept.drained()),
                    minus(current.overrides().dials(), kept.dials())));
            ObjectNode before = overridesJson(current.overrides());
            before.set("regions", stringArray(old.regions().stream().map(RegionConfig::name).toList()));
            ObjectNode after = overridesJson(kept);
            after.set("regions", stringArray(names));
            ObjectNode line = audit.record(caller.token(), caller.remote(), "reload", null, before, after, updated.revision(), null,
                    null);
            store.recordAudit(line, updated.revision());

            ObjectNode body = JSON.createObjectNode();
            body.put("reloaded", true);
            body.put("revision", updated.revision());
            body.put("config", file.toString());
            body.set("regions", stringArray(names));
            body.put("routes", next.routes().size());
            body.set("droppedOverrides", dropped);
            body.set("restartRequired", stringArray(restartRequired(old, next)));
            return AdminReply.json(200, body).withRevision(updated.revision());
        } finally {
            writes.unlock();
        }
    }

    /**
     * The keys that take effect only when the router restarts, in the order a reload reports them,
     * each with what of the configuration it names.
     */
    private static final Map<String, Function<MeridianConfig, Object>> RESTART_KEYS = restartKeys();

    private static Map<String, Function<MeridianConfig, Object>> restartKeys() {
        Map<String, Function<MeridianConfig, Object>> keys = new LinkedHashMap<>();
        keys.put("listen", MeridianConfig::listen);
        keys.put("server", MeridianConfig::server);
        keys.put("upstream", MeridianConfig::upstream);
        keys.put("admin.address/port", c -> List.of(c.admin().address(), c.admin().port()));
        keys.put("admin.state-file", c -> c.admin().stateFile());
        keys.put("admin.audit-file", c -> c.admin().auditFile());
        keys.put("fleet", MeridianConfig::fleet);
        keys.put("admin.allow-insecure", c -> c.admin().allowInsecure());
        return Collections.unmodifiableMap(keys);
    }

    /** Keys that changed in the file but only take effect when the router restarts. */
    private static List<String> restartRequired(MeridianConfig old, MeridianConfig next) {
        List<String> keys = new ArrayList<>();
        RESTART_KEYS.forEach((key, value) -> {
            if (!value.apply(old).equals(value.apply(next))) {
                keys.add(key);
            }
        });
        if (!keys.isEmpty()) {
            log.warn("reload: {} changed; that takes effect at the next restart", keys);
        }
        return keys;
    }

    private void lock() {
        try {
            if (!writes.tryLock(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw AdminError.of(503, "busy", "another admin change is still running; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AdminError.of(503, "busy", "interrupted while waiting for another admin change");
        }
    }

    // ---- request parsing ----

    /**
     * A parsed write body: the weight (for {@link Action#WEIGHT}), the dial's percent and pin (for
     * {@link Action#DIAL}, each {@code null} when not given) and the caller's reason.
     */
    private record Change(int weight, @Nullable Integer percent, @Nullable Boolean pinned, @Nullable String reason) {}

    private static final String DIAL_BODY = "{\"percent\": 0..100, \"pinned\": true|false (optional), \"reason\": \"...\" (optional)}";

    private static Change parseChange(Action action, byte[] body) {
        boolean weightRequired = action == Action.WEIGHT;
        boolean dial = action == Action.DIAL;
        String expected = weightRequired ? "{\"weight\": 0..1000, \"reason\": \"...\" (optional)}"
                : dial ? DIAL_BODY : "no body, or {\"reason\": \"...\"}";
        if (isBlank(body)) {
            if (weightRequired || dial) {
                throw AdminError.badRequest("invalid_body", "empty body (expected " + expected + ")");
            }
            return new Change(-1, null, null, null);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw AdminError.badRequest("invalid_json", "the body is not valid JSON: " + jsonProblem(e.getOriginalMessage()) + where);
        } catch (IOException e) {
            throw AdminError.badRequest("invalid_json", "the body cannot be read: " + jsonProblem(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw AdminError.badRequest("invalid_body", "expected a JSON object: " + expected);
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String key = field.getKey();
            if (!key.equals("reason") && !(weightRequired && key.equals("weight"))
                    && !(dial && (key.equals("percent") || key.equals("pinned")))) {
                throw AdminError.badRequest("invalid_body", "unknown key '" + key + "' (expected " + expected + ")");
            }
        }
        String reason = null;
        JsonNode reasonNode = root.get("reason");
        if (reasonNode != null && !reasonNode.isNull()) {
            if (!reasonNode.isTextual() || reasonNode.textValue().length() > MAX_REASON_LENGTH) {
                throw AdminError.badRequest("invalid_body", "reason: expected a string of at most " + MAX_REASON_LENGTH + " characters");
            }
            reason = reasonNode.textValue();
        }
        int weight = -1;
        if (weightRequired) {
            JsonNode w = root.get("weight");
            if (w == null) {
                throw AdminError.badRequest("invalid_weight", "weight: missing (expected " + expected + ")");
            }
            weight = integerIn(w, "weight", "invalid_weight", RegionConfig.MIN_WEIGHT, RegionConfig.MAX_WEIGHT);
        }
        if (!dial) {
            return new Change(weight, null, null, reason);
        }
        Integer percent = null;
        JsonNode p = root.get("percent");
        if (p != null) {
            percent = integerIn(p, "percent", "invalid_dial", RegionDial.MIN_PERCENT, RegionDial.MAX_PERCENT);
        }
        Boolean pinned = null;
        JsonNode pin = root.get("pinned");
        if (pin != null) {
            if (!pin.isBoolean()) {
                throw AdminError.badRequest("invalid_dial", "pinned: " + pin + " (expected true or false)");
            }
            pinned = pin.booleanValue();
        }
        if (percent == null && pinned == null) {
            throw AdminError.badRequest("invalid_dial", "percent or pinned: missing (expected " + DIAL_BODY
                    + ", or {\"pinned\": false} alone to unpin)");
        }
        return new Change(weight, percent, pinned, reason);
    }

    /** {@code value} as an integer in {@code min..max}, or 400 {@code error} saying what is wrong with it. */
    private static int integerIn(JsonNode value, String key, String error, int min, int max) {
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw AdminError.badRequest(error, key + ": " + value + " is not an integer (expected " + min + ".." + max + ")");
        }
        int n = value.intValue();
        if (n < min || n > max) {
            throw AdminError.badRequest(error, key + ": " + n + " is out of range (expected " + min + ".." + max + ")");
        }
        return n;
    }

    /** Jackson's {@code [Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 2]}. */
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
    /**
     * Jackson's pointers to its own classes and settings: {@code , from `StreamReadConstraints.getMaxNestingDepth()`},
     * {@code (bound as `com.fasterxml...JsonNode`)}, {@code : not allowed as per `DeserializationFeature...`},
     * {@code : enable `JsonReadFeature...` to allow}, and any other back-quoted Java name.
     */
    private static final Pattern JACKSON_NAMES = Pattern.compile(
            ",? from `[^`]*`| ?\\(bound as `[^`]*`\\)|:? ?(not allowed as per|enable) `[^`]*`( to allow)?"
                    + "|`[A-Za-z_$][\\w$]*(\\.[\\w$]+)+(\\(\\))?`");

    /**
     * Jackson's message for a body it cannot parse, without the names of Jackson's classes and
     * settings it mentions (they mean nothing to the caller): positions become {@code line L, column C}.
     */
    static String jsonProblem(@Nullable String message) {
        if (message == null) {
            return "unreadable";
        }
        String text = JACKSON_SOURCE.matcher(message).replaceAll("line $1, column $2");
        return JACKSON_NAMES.matcher(text).replaceAll("");
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private RegionConfig regionNamed(String name) {
        List<RegionConfig> regions = server.config().regions();
        for (RegionConfig region : regions) {
            if (region.name().equals(name)) {
                return region;
            }
        }
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        throw AdminError.of(404, "not_found", "no region named '" + shown + "' (configured: "
                + regions.stream().map(RegionConfig::name).collect(Collectors.joining(", ")) + ")");
    }

    /** The overrides after an SRE's {@code change} of {@code region} ({@code actor} is the token's name). */
    private static RegionOverrides apply(Action action, String region, Change change, RegionOverrides overrides, String actor) {
        return switch (action) {
            case WEIGHT -> overrides.withWeight(region, change.weight);
            case RESET_WEIGHT -> {
                Map<String, Integer> weights = new HashMap<>(overrides.weights());
                weights.remove(region);
                yield new RegionOverrides(weights, overrides.drained(), overrides.dials());
            }
            case DRAIN -> overrides.withDrained(region, true);
            case UNDRAIN -> overrides.withDrained(region, false);
            case DIAL -> overrides.withDial(region, sreDial(overrides.dial(region), change, actor));
        };
    }

    /**
     * An SRE's dial: a percent sets the percent and the baseline and pins the dial unless
     * {@code "pinned": false} is given; {@code "pinned"} alone pins or unpins and keeps the percent.
     */
    private static RegionDial sreDial(RegionDial current, Change change, String actor) {
        Integer percent = change.percent;
        if (percent == null) {
            return new RegionDial(current.percent(), current.baseline(), requireNonNull(change.pinned, "pinned"), actor);
        }
        return new RegionDial(percent, percent, change.pinned == null || change.pinned, actor);
    }

    // ---- answers ----

    private AdminReply dryRun(Action action, RegionConfig region, AdminState current, RegionOverrides candidate) {
        Map<String, Double> now = server.currentShares();
        Map<String, Double> projected = server.projectedShares(candidate);
        ObjectNode body = JSON.createObjectNode();
        body.put("dryRun", true);
        body.put("revision", current.revision());
        body.put("action", action.auditName);
        body.put("region", region.name());
        body.set("before", summary(region, current.overrides()));
        body.set("after", summary(region, candidate));
        ArrayNode shares = body.putArray("shares");
        for (RegionConfig r : server.config().regions()) {
            ObjectNode share = shares.addObject();
            share.put("region", r.name());
            share.put("current", now.getOrDefault(r.name(), 0.0));
            share.put("projected", projected.getOrDefault(r.name(), 0.0));
        }
        return AdminReply.json(200, body).withRevision(current.revision());
    }

    /** One region's admin state under {@code overrides}: what the audit trail and dry runs show. */
    private static ObjectNode summary(RegionConfig region, RegionOverrides overrides) {
        ObjectNode node = JSON.createObjectNode();
        node.put("state", overrides.isDrained(region.name()) ? "drained" : "active");
        Integer override = overrides.weights().get(region.name());
        node.put("weight", override != null ? override : region.weight());
        node.put("weightOverridden", override != null);
        node.set("dial", RegionDialJson.write(overrides.dial(region.name())));
        return node;
    }

    /** {@code GET /admin/regions}: every region with its admin state, health and traffic share. */
    private ObjectNode view(AdminState current) {
        MeridianConfig config = server.config();
        HealthReport health = server.healthReport();
        Map<String, HealthReport.RegionReport> reports = new LinkedHashMap<>();
        health.regions().forEach(r -> reports.put(r.name(), r));
        Map<String, Double> shares = server.currentShares();
        Map<String, NameStatus> names = server.dnsNames();
        RegionOverrides overrides = current.overrides();

        ObjectNode root = JSON.createObjectNode();
        root.put("revision", current.revision());
        StateStore.Status status = store.status();
        root.set("store", storeJson(status));
        root.put("stale", !status.up());
        ArrayNode regions = root.putArray("regions");
        for (RegionConfig region : config.regions()) {
            ObjectNode r = regions.addObject();
            Integer override = overrides.weights().get(region.name());
            int effective = overrides.effectiveWeight(region);
            r.put("name", region.name());
            GeoPoint location = region.location();
            if (location != null) {
                r.putObject("location").put("lat", location.lat()).put("lon", location.lon());
            } else {
                r.putNull("location");
            }
            r.put("state", overrides.isDrained(region.name()) ? "drained" : "active");
            r.put("configuredWeight", region.weight());
            if (override != null) {
                r.put("weightOverride", override);
            } else {
                r.putNull("weightOverride");
            }
            r.put("effectiveWeight", effective);
            r.set("dial", RegionDialJson.write(overrides.dial(region.name())));
            r.put("share", shares.getOrDefault(region.name(), 0.0));
            r.set("names", namesJson(region, names));
            HealthReport.RegionReport report = reports.get(region.name());
            if (report == null) {
                r.putNull("breaker"); // a reload swapped the registry between the two reads
                r.put("available", false);
                continue;
            }
            r.put("available", server.available(region.name(), effective));
            r.put("breaker", report.breaker().name().toLowerCase(Locale.ROOT));
            putRate(r, "failureRatePercent", report.failureRate());
            putRate(r, "slowCallRatePercent", report.slowCallRate());
            if (report.latencyNanos() >= 0) {
                r.put("probeRttMs", Math.round(report.latencyNanos() / 1_000.0) / 1_000.0);
            } else {
                r.putNull("probeRttMs");
            }
            r.put("capacity", report.capacity());
            r.put("throttledForMs", report.throttledFor().toMillis());
            ArrayNode endpoints = r.putArray("endpoints");
            for (HealthReport.EndpointReport e : report.endpoints()) {
                ObjectNode endpoint = endpoints.addObject();
                endpoint.put("endpoint", e.label());
                endpoint.put("probe", e.probe().name().toLowerCase(Locale.ROOT));
                endpoint.put("available", e.available());
                endpoint.put("ejected", !e.ejectedFor().isZero());
                endpoint.put("ejectedForMs", e.ejectedFor().toMillis());
                endpoint.put("timesEjected", e.timesEjected());
                endpoint.put("ejections", e.ejections());
                endpoint.put("consecutiveFailures", e.consecutiveFailures());
                if (e.lastProbeProblem() != null) {
                    endpoint.put("lastProbeProblem", e.lastProbeProblem());
                } else {
                    endpoint.putNull("lastProbeProblem");
                }
            }
        }
        return root;
    }

    /** The region's endpoints given by host name, each with the addresses it stands for now and its last answer. */
    private static ArrayNode namesJson(RegionConfig region, Map<String, NameStatus> names) {
        ArrayNode out = JSON.createArrayNode();
        for (URI uri : region.endpoints()) {
            String host = uri.getHost();
            if (!DnsDiscovery.isName(host)) {
                continue;
            }
            NameStatus status = names.get(host);
            ObjectNode n = out.addObject();
            n.put("endpoint", uri.toString());
            n.put("name", host);
            n.put("state", status == null ? NameStatus.State.PENDING.label() : status.state().label());
            ArrayNode addresses = n.putArray("addresses");
            if (status == null) {
                n.putNull("resolvedAt");
                n.put("ttlSeconds", 0);
                n.putNull("problem");
                n.put("failures", 0);
                continue;
            }
            status.addresses().forEach(a -> addresses.add(a.getHostAddress()));
            if (status.resolvedAt() != null) {
                n.put("resolvedAt", status.resolvedAt().toString());
            } else {
                n.putNull("resolvedAt");
            }
            n.put("ttlSeconds", status.ttlSeconds());
            if (status.problem() != null) {
                n.put("problem", status.problem());
            } else {
                n.putNull("problem");
            }
            n.put("failures", status.failures());
        }
        return out;
    }

    /** Where the state lives and whether it answers: {@code {"kind": "etcd", "state": "unavailable", "since": …, "problem": …}}. */
    private ObjectNode storeJson(StateStore.Status status) {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", store.kind());
        node.put("state", status.up() ? "up" : "unavailable");
        node.put("since", status.since().toString());
        if (status.problem() != null) {
            node.put("problem", status.problem());
        }
        return node;
    }

    /** {@code GET /admin/whoami}: the calling token's name and scope (what the status page may offer). */
    AdminReply whoami(AdminToken token) {
        ObjectNode body = JSON.createObjectNode();
        body.put("token", token.name());
        body.put("scope", token.scope().name().toLowerCase(Locale.ROOT));
        return AdminReply.json(200, body);
    }

    /** {@code GET /admin/fleet}: the live instances and the revision each has applied. */
    AdminReply fleet() {
        AdminState current = store.current();
        List<StateStore.Member> members = store.members();
        StateStore.Status status = store.status();
        ObjectNode body = JSON.createObjectNode();
        body.put("revision", current.revision());
        body.set("store", storeJson(status));
        body.put("stale", !status.up());
        body.put("converged", members.stream().allMatch(m -> m.appliedRevision() == current.revision()));
        ArrayNode instances = body.putArray("instances");
        for (StateStore.Member m : members) {
            ObjectNode node = instances.addObject();
            node.put("id", m.id());
            node.put("admin", m.admin());
            node.put("version", m.version());
            node.put("started", m.started().toString());
            node.put("appliedRevision", m.appliedRevision());
            node.put("self", m.self());
        }
        return AdminReply.json(200, body).withRevision(current.revision());
    }

    /** Largest {@code limit} of {@code GET /admin/audit}. */
    static final int MAX_AUDIT_LIMIT = 1000;

    /** {@code GET /admin/audit?limit=N}: the newest admin changes first (default 50). */
    AdminReply audit(Map<String, List<String>> query) {
        for (String key : query.keySet()) {
            if (!key.equals("limit")) {
                throw AdminError.badRequest("invalid_parameter", "unknown parameter '" + key + "' (expected limit)");
            }
        }
        String text = single(query, "limit");
        int limit = 50;
        if (text != null) {
            try {
                limit = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_AUDIT_LIMIT) {
                String shown = text.length() > 20 ? text.substring(0, 20) + "..." : text;
                throw AdminError.badRequest("invalid_parameter", "limit: '" + shown + "' (expected 1.." + MAX_AUDIT_LIMIT + ")");
            }
        }
        StateStore.AuditPage page = store.recentAudit(limit);
        ObjectNode body = JSON.createObjectNode();
        body.put("source", page.stale() ? "file" : store.kind().equals("etcd") ? "etcd" : "file");
        body.put("stale", page.stale());
        ArrayNode changes = body.putArray("changes");
        page.lines().forEach(changes::add);
        return AdminReply.json(200, body);
    }

    private static void putRate(ObjectNode node, String key, float rate) {
        if (rate < 0) {
            node.putNull(key); // fewer calls than minimum-calls so far
        } else {
            node.put(key, rate);
        }
    }

    private static ObjectNode overridesJson(RegionOverrides overrides) {
        ObjectNode node = JSON.createObjectNode();
        ObjectNode weights = node.putObject("weights");
        new TreeMap<>(overrides.weights()).forEach(weights::put);
        node.set("drained", stringArray(new ArrayList<>(new TreeSet<>(overrides.drained()))));
        ObjectNode dials = node.putObject("dials");
        new TreeMap<>(overrides.dials()).forEach((region, dial) -> dials.set(region, RegionDialJson.write(dial)));
        return node;
    }

    private static ArrayNode stringArray(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static <V> Map<String, V> minus(Map<String, V> all, Map<String, V> kept) {
        Map<String, V> out = new HashMap<>(all);
        out.keySet().removeAll(kept.keySet());
        return out;
    }

    private static Set<String> minusSet(Set<String> all, Set<String> kept) {
        Set<String> out = new TreeSet<>(all);
        out.removeAll(kept);
        return out;
    }

    /** The token names in force, for the start-up log line. */
    static String names(List<AdminToken> tokens) {
        return tokens.stream().map(t -> t.name() + " (" + t.scope().name().toLowerCase(Locale.ROOT) + ")")
                .collect(Collectors.joining(", "));
    }
}
