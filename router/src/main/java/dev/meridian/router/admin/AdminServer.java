package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.AdminConfig;
import dev.meridian.config.AdminToken;
import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigProblem;
import dev.meridian.config.EtcdConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.regions.RegionDial;
import dev.meridian.router.MeridianServer;
import dev.meridian.router.controller.DialActuator;
import dev.meridian.router.controller.SloController;
import dev.meridian.router.etcd.EtcdClients;
import dev.meridian.router.server.ServerTls;
import io.etcd.jetcd.Client;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The admin API: what SREs use to see where traffic goes and to steer it (weights, drains,
 * explain, reload, metrics), on its own port, apart from client traffic.
 *
 * <pre>{@code
 * MeridianServer server = MeridianServer.start(config);
 * try (AdminServer admin = AdminServer.start(server, Path.of("meridian.yaml"))) {
 *     System.out.println("admin API on " + admin.address());
 *     ...
 * }
 * }</pre>
 *
 * <p>Safe by default: it binds loopback unless configured otherwise and refuses to start on any
 * other address without a token (unless {@code admin.allow-insecure}); every endpoint except
 * {@code /healthz} and {@code /ready} needs a bearer token, compared in constant time, and writes
 * need a {@code write} token. Every write makes a new revision, honours {@code If-Match}, is saved
 * atomically to the state file before it is applied, and is audited. See
 * {@code src/docs/admin-api.md} and the OpenAPI document served at {@code /admin/openapi.yaml}.
 * The same port serves the status page ({@link StatusPage}, {@code /ui/}), which reads this API
 * with the token its user gives it.
 *
 * <p>It runs on its own Reactor Netty {@link LoopResources} ({@code meridian-admin-*} threads),
 * and every endpoint that may block (files, DNS on reload, metrics scrapes) runs on a small
 * bounded worker pool ({@code meridian-admin-work-*}), never on the data path's event loops.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private static final String REALM = "Bearer realm=\"meridian-admin\"";
    private static final String OPENAPI_RESOURCE = "openapi.yaml";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Enough for a few concurrent SREs and scrapers; more queue up, and beyond the queue get 503. */
    private static final int WORKER_THREADS = 4;
    private static final int WORKER_QUEUE = 64;
    private static final String ADMIN_TLS_HANDLER = "meridian.adminTls";
    /** {@code GET /admin/traffic}: one interval every 5 s, the last 10 minutes. */
    private static final Duration TRAFFIC_INTERVAL = Duration.ofSeconds(5);
    private static final Duration TRAFFIC_WINDOW = Duration.ofMinutes(10);
    /** How much of a body over the limit is read and dropped so that the 413 reaches the client. */
    private static final long DISCARD_LIMIT = 1024 * 1024;

    private final AdminApi api;
    private final RegionDials dials;
    private final SloController controller;
    /** The controller's own etcd client in a fleet (its election must not share the store's reconnects); {@code null} alone. */
    private final @Nullable Client controllerEtcd;
    private final StateStore store;
    private final AtomicReference<AdminConfig> access;
    private final byte[] openApi;
    private final StatusPage page;
    private final TrafficHistory traffic;
    private final LoopResources loops;
    private final Scheduler worker;
    private final DisposableServer http;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable ServerTls tls;

    private AdminServer(MeridianServer server, @Nullable Path configFile) {
        AdminConfig admin = server.config().admin();
        AdminConfig withTokens = startTokens(admin, configFile);
        checkExposure(withTokens);
        this.access = new AtomicReference<>(withTokens);
        this.openApi = openApiDocument();
        this.page = new StatusPage();
        this.traffic = new TrafficHistory(server.meterRegistry(),
                () -> server.config().regions().stream().map(RegionConfig::name).toList(),
                Clock.systemUTC(), TRAFFIC_INTERVAL, TRAFFIC_WINDOW);

        AuditLog audit = new AuditLog(resolve(configFile, admin.auditFile()), Clock.systemUTC());
        this.store = openStore(server, configFile, audit);
        AdminState restored = store.start(state -> applyState(server, state));
        this.api = new AdminApi(server, configFile, store, audit, access, a -> withFileTokens(a, configFile));

        this.tls = admin.tls() == null ? null : ServerTls.start(admin.tls(), "admin", false);
        this.loops = LoopResources.create("meridian-admin", 1, true);
        this.worker = Schedulers.newBoundedElastic(WORKER_THREADS, WORKER_QUEUE, "meridian-admin-work", 60, true);
        this.dials = new RegionDials(api, () -> server.config().regions(), task -> worker.schedule(task));
        long every = TRAFFIC_INTERVAL.toMillis();
        worker.schedulePeriodically(this::sampleTraffic, every, every, TimeUnit.MILLISECONDS);
        try {
            this.http = HttpServer.create()
                    .runOn(loops)
                    .bindAddress(admin::socketAddress)
                    .httpRequestDecoder(spec -> spec.maxInitialLineLength(8 * 1024).maxHeaderSize(16 * 1024))
                    .readTimeout(Duration.ofSeconds(10))
                    .requestTimeout(Duration.ofSeconds(30))
                    .idleTimeout(Duration.ofSeconds(60))
                    .doOnChannelInit((observer, channel, remote) -> {
                        ServerTls t = tls;
                        if (t != null) {
                            // Our own handler (not Reactor's secure()) so that a renewed certificate is
                            // used from the next handshake on; with admin.tls.client-ca it requires a
                            // client certificate (mutual TLS).
                            channel.pipeline().addFirst(ADMIN_TLS_HANDLER, t.newHandler(channel.alloc()));
                        }
                    })
                    .handle(this::handle)
                    .bindNow(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            stopThreads();
            store.close();
            throw new IllegalStateException("cannot start the admin API on " + admin.address() + ':' + admin.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        String adminAddress = address().getHostString() + ":" + address().getPort();
        store.register(adminAddress);
        EtcdConfig fleetEtcd = server.config().fleet().etcd();
        this.controllerEtcd = fleetEtcd == null ? null : EtcdClients.connect(fleetEtcd);
        this.controller = SloController.start(server::config, server::overrides, server.meterRegistry(), dialActuator(dials),
                controllerEtcd, fleetEtcd == null ? "" : fleetEtcd.prefix(),
                store.instanceId(), adminAddress);
        api.useController(controller::explain);
        log.info("admin API listening on {}{} (revision {}, state {}, audit file {}, tokens: {})", address(),
                tls == null ? "" : admin.tls().clientCa() != null ? " with TLS, client certificates required" : " with TLS",
                restored.revision(), describe(store), audit.path(),
                withTokens.tokens().isEmpty() ? "none, only /healthz and /ready answer" : AdminApi.names(withTokens.tokens()));
    }

    /**
     * Starts the admin API of {@code server} as {@code server.config().admin()} says, restoring the
     * weights and drains of the state file. Blocks (files, binding), so call it from a thread that
     * may.
     *
     * @param configFile the file the configuration was loaded from: {@code POST /admin/reload}
     *     re-reads it, and relative admin file paths are resolved against its directory. {@code null}
     *     when the configuration did not come from a file (tests, embedding): reload then answers
     *     409 and relative paths are resolved against the working directory
     * @throws IllegalStateException when it must not or cannot start: a non-loopback address without
     *     tokens and without {@code allow-insecure}, an unusable token file, a missing or unusable
     *     {@code fleet.etcd.tls} file, the port taken (the message says which)
     */
    public static AdminServer start(MeridianServer server, @Nullable Path configFile) {
        requireNonNull(server, "server");
        return new AdminServer(server, configFile);
    }

    /** The status page's address: {@code http://HOST:PORT/ui/} (https with {@code admin.tls}). */
    public String statusPageUrl() {
        InetSocketAddress at = address();
        String host = at.getAddress().isAnyLocalAddress() ? "127.0.0.1" : at.getAddress().getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return (tls == null ? "http" : "https") + "://" + host + ":" + at.getPort() + StatusPage.ROOT;
    }

    /** The address the admin API listens on (with the real port when the config said 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) http.address();
    }

    /** The revision of the admin state in force. */
    public long revision() {
        return api.state().revision();
    }

    /** The traffic dials, for code inside the router that turns them (the SLO controller). */
    public RegionDials dials() {
        return dials;
    }

    /**
     * The store the configuration asks for: etcd with {@code fleet.etcd}, else the state file.
     * Both files are checked for writability now, so that a read-only mount stops the start with
     * its name rather than failing the first change.
     */
    private static StateStore openStore(MeridianServer server, @Nullable Path configFile, AuditLog audit) {
        MeridianConfig config = server.config();
        EtcdConfig etcd = config.fleet().etcd();
        if (etcd == null) {
            StateFile stateFile = new StateFile(resolve(configFile, config.admin().stateFile()), Clock.systemUTC());
            checkWritable(stateFile.path());
            return new FileStateStore(stateFile, audit, Clock.systemUTC(), server.meterRegistry());
        }
        Path cache = resolve(configFile, etcd.cacheFile());
        checkWritable(cache);
        return new EtcdStateStore(etcd, config.regions(), cache, audit, Clock.systemUTC(), server.meterRegistry());
    }

    /** Applies a state the store publishes: the overrides of regions configured here (a fleet's may name others). */
    private static void applyState(MeridianServer server, AdminState state) {
        List<String> configured = server.config().regions().stream().map(RegionConfig::name).toList();
        RegionOverrides overrides = state.overrides().retainRegions(configured);
        if (!overrides.equals(state.overrides())) {
            log.warn("admin state has overrides for regions not configured here; they do not apply: weights {}, drained {}, dials {}",
                    state.overrides().weights().keySet(), state.overrides().drained(), state.overrides().dials().keySet());
        }
        if (!overrides.equals(server.overrides())) {
            server.applyOverrides(overrides);
        }
    }

    /** Runs on the worker every {@link #TRAFFIC_INTERVAL}; an exception would end the periodic task, so none leaves. */
    private void sampleTraffic() {
        try {
            traffic.sample();
        } catch (RuntimeException e) {
            log.warn("admin API: sampling the traffic meters for /admin/traffic failed: {}", e.toString());
        }
    }

    private static String describe(StateStore store) {
        if (store instanceof EtcdStateStore etcd) {
            return "in etcd " + etcd.config().endpoints() + " under " + etcd.config().prefix();
        }
        return "file " + ((FileStateStore) store).file().path();
    }

    /**
     * What a reload asked for outside the HTTP API did ({@link #reloadConfiguration}).
     *
     * @param applied whether the file's configuration is now in force
     * @param revision the admin state's revision afterwards
     * @param problems why it was refused: the {@code FILE:LINE:COL: message} lines of an invalid
     *     file, or one line saying why a valid one was not applied; empty when applied
     */
    public record ConfigReload(boolean applied, long revision, List<String> problems) {
        public ConfigReload {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Re-reads the configuration file exactly as {@code POST /admin/reload} does (the same checks,
     * the same rule for overrides, a new revision, an audit line) for a caller that is not an HTTP
     * client, such as SIGHUP from {@code systemctl reload}: the audit line names {@code actor} as its
     * token and {@code local} as its remote address. A refused file is an answer, not an exception;
     * the running configuration then stays. Blocks (files, DNS).
     */
    public ConfigReload reloadConfiguration(String actor) {
        requireNonNull(actor, "actor");
        try {
            api.reload(null, new AdminApi.Caller(actor, "local"));
            return new ConfigReload(true, revision(), List.of());
        } catch (AdminError e) {
            return new ConfigReload(false, revision(), e.problems());
        }
    }

    /** Stops listening and the admin threads; requests in flight get up to 5 s. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            http.disposeNow(STOP_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("admin API did not stop within {}: {}", STOP_TIMEOUT, e.toString());
        }
        controller.close();
        if (controllerEtcd != null) {
            controllerEtcd.close();
        }
        stopThreads();
        store.close();
    }

    /** The SLO controller of this instance (its report is {@code GET /admin/controller}). */
    public SloController controller() {
        return controller;
    }

    /**
     * The dials as the controller turns them: a dial refused for a reason that trying again does
     * not fix (pinned, above the baseline, an unknown region) is {@link DialActuator.Refused}.
     */
    private static DialActuator dialActuator(RegionDials dials) {
        return new DialActuator() {
            @Override
            public Map<String, RegionDial> dials() {
                return dials.dials();
            }

            @Override
            public CompletableFuture<Long> turn(String region, int percent, String actor, Map<String, Object> details) {
                return dials.turnDial(region, percent, actor, details).exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof RegionDials.Refused refused
                            && refused.reason() != RegionDials.Refused.Reason.STORE_UNAVAILABLE
                            && refused.reason() != RegionDials.Refused.Reason.REVISION_CHANGED) {
                        return CompletableFuture.failedFuture(new DialActuator.Refused(refused.getMessage()));
                    }
                    return CompletableFuture.failedFuture(cause);
                });
            }
        };
    }

    private void stopThreads() {
        if (tls != null) {
            tls.close();
        }
        worker.dispose();
        try {
            loops.disposeLater(Duration.ZERO, STOP_TIMEOUT).block(STOP_TIMEOUT.multipliedBy(2));
        } catch (RuntimeException e) {
            log.warn("admin threads did not stop within {}: {}", STOP_TIMEOUT, e.toString());
        }
    }

    // ---- start-up checks ----

    /** A relative admin file is resolved against the configuration file's directory. */
    /**
     * The admin overrides (weights, drains, dials) this host saved last, for
     * {@code meridian explain} without a running router: the state file, or in a fleet the cache
     * of the last state this instance applied (etcd is not asked); {@link RegionOverrides#NONE}
     * when there is none or it cannot be read (said in one log line). Overrides of regions not
     * configured are left out. Reads a file: call it where blocking is fine.
     */
    public static RegionOverrides savedOverrides(MeridianConfig config, @Nullable Path configFile) {
        requireNonNull(config, "config");
        EtcdConfig etcd = config.fleet().etcd();
        Path file = resolve(configFile, etcd == null ? config.admin().stateFile() : etcd.cacheFile());
        List<String> configured = config.regions().stream().map(RegionConfig::name).toList();
        return new StateFile(file, Clock.systemUTC()).load().overrides().retainRegions(configured);
    }

    static Path resolve(@Nullable Path configFile, Path file) {
        if (file.isAbsolute()) {
            return file;
        }
        Path base = configFile != null ? configFile.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
        return base.resolve(file).normalize();
    }

    /** {@code admin} with the token file's tokens added; problems as {@code FILE:LINE:COL: message}. */
    private static AdminConfig withFileTokens(AdminConfig admin, @Nullable Path configFile) throws ConfigException {
        Path tokenFile = admin.tokenFile();
        if (tokenFile == null) {
            return admin;
        }
        Path file = resolve(configFile, tokenFile);
        List<AdminToken> tokens = new ArrayList<>(admin.tokens());
        tokens.addAll(TokenFile.read(file));
        try {
            return admin.withTokens(tokens);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(ConfigProblem.ofFile(file.toString(),
                    "clashes with admin.tokens: " + e.getMessage())));
        }
    }

    /** As {@link #withFileTokens(AdminConfig, Path)}, for the start: problems stop it. */
    private static AdminConfig startTokens(AdminConfig admin, @Nullable Path configFile) {
        try {
            return withFileTokens(admin, configFile);
        } catch (ConfigException e) {
            throw new IllegalStateException("admin.token-file: " + e.getMessage(), e);
        }
    }

    /** Refuses a non-loopback address without any token unless explicitly allowed, and then warns. */
    static void checkExposure(AdminConfig admin) {
        InetSocketAddress bind = admin.socketAddress();
        if (bind.getAddress().isLoopbackAddress()) {
            return;
        }
        if (admin.tokens().isEmpty()) {
            if (!admin.allowInsecure()) {
                throw new IllegalStateException("admin API on " + admin.address() + " (not a loopback address) without any "
                        + "token: refusing to start. Configure admin.tokens or admin.token-file, bind admin.address to "
                        + "127.0.0.1, or set admin.allow-insecure: true to serve only /healthz and /ready there");
            }
            log.warn("admin API on {} (not a loopback address) without any token (admin.allow-insecure): only /healthz and "
                    + "/ready answer, every other call is refused with 401", admin.address());
        } else {
            log.info("admin API on {} is reachable beyond this host over plain HTTP: keep it on a private network, "
                    + "bearer tokens cross it unencrypted", admin.address());
        }
    }

    private static void checkWritable(Path stateFile) {
        Path dir = stateFile.toAbsolutePath().getParent();
        if (Files.isDirectory(dir) && !Files.isWritable(dir)) {
            log.warn("the admin state directory {} is not writable: weight and drain changes will be refused with 500 "
                    + "until it is", dir);
        }
    }

    private static byte[] openApiDocument() {
        try (InputStream in = AdminServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the router jar lacks " + OPENAPI_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- HTTP ----

    /**
     * Reads the (bounded) body of every request before answering, also when the answer is an
     * error: a response sent while the request is still arriving leaves the connection in a state
     * where the next request on it may never be read. A body over the limit is answered with 413
     * and {@code Connection: close}, after the rest of it is read and dropped (up to
     * {@link #DISCARD_LIMIT}): closing a socket with unread data in it resets the connection, and
     * the reset can reach the client before it has read the 413.
     */
    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        return body(request)
                .flatMap(body -> serve(request, body))
                .onErrorResume(e -> Mono.just(errorReply(e, request)))
                .flatMap(reply -> send(response, reply));
    }

    private Mono<AdminReply> serve(HttpServerRequest request, byte[] body) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path;
        try {
            path = uri.path();
            uri.parameters(); // decoded (and kept by the decoder) now: a broken %-escape is the client's error
        } catch (IllegalArgumentException e) {
            throw AdminError.badRequest("invalid_uri", "the request target is not valid: " + shorten(String.valueOf(e.getMessage()))
                    + " (percent-escapes are % and two hex digits)");
        }
        HttpMethod method = request.method();
        if (StatusPage.owns(path)) {
            // Static files without data: no token (the page asks for one and sends it with its calls).
            return Mono.just(page.serve(method, path, request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH)));
        }
        List<AdminRoute> onPath = new ArrayList<>();
        String name = "";
        for (AdminRoute route : AdminRoute.values()) {
            String matched = route.match(path);
            if (matched != null) {
                onPath.add(route);
                name = matched;
            }
        }
        Optional<AdminRoute> exact = onPath.stream().filter(r -> r.method().equals(method)).findFirst();
        if (exact.isPresent() && exact.get().scope() == null) {
            return Mono.fromSupplier(() -> exact.get() == AdminRoute.HEALTHZ ? api.healthz() : api.ready());
        }
        if (!onPath.isEmpty() && onPath.stream().allMatch(r -> r.scope() == null)) {
            throw methodNotAllowed(method, path, onPath);
        }
        AdminToken token = authenticate(request);
        if (onPath.isEmpty()) {
            throw AdminError.of(404, "not_found", "no endpoint " + method + " " + shorten(path)
                    + " (the API is described at /admin/openapi.yaml)");
        }
        if (exact.isEmpty()) {
            throw methodNotAllowed(method, path, onPath);
        }
        AdminRoute route = exact.get();
        AdminToken.Scope needed = requireNonNull(route.scope());
        if (!token.scope().includes(needed)) {
            throw AdminError.of(403, "forbidden", "token '" + token.name() + "' has scope "
                    + token.scope().name().toLowerCase(Locale.ROOT) + "; " + method + " " + route.template() + " needs "
                    + needed.name().toLowerCase(Locale.ROOT))
                    .withHeader("WWW-Authenticate", REALM + ", error=\"insufficient_scope\"");
        }
        AdminApi.Caller caller = new AdminApi.Caller(token.name(), remote(request));
        String region = name;
        return Mono.fromCallable(() -> dispatch(route, region, body, uri, request, token, caller)).subscribeOn(worker);
    }

    private AdminReply dispatch(AdminRoute route, String region, byte[] body, QueryStringDecoder uri,
            HttpServerRequest request, AdminToken token, AdminApi.Caller caller) {
        String ifMatch = request.requestHeaders().get(HttpHeaderNames.IF_MATCH);
        return switch (route) {
            case HEALTHZ -> api.healthz();
            case READY -> api.ready();
            case METRICS -> api.metrics(request.requestHeaders().get(HttpHeaderNames.ACCEPT));
            case OPENAPI -> new AdminReply(200, "application/yaml", openApi, Map.of());
            case REGIONS -> api.regions();
            case EXPLAIN -> api.explain(uri.parameters());
            case FLEET -> api.fleet();
            case AUDIT -> api.audit(uri.parameters());
            case TRAFFIC -> traffic.reply();
            case WHOAMI -> api.whoami(token);
            case SET_WEIGHT -> api.changeRegion(AdminApi.Action.WEIGHT, region, body, ifMatch, dryRun(uri), caller);
            case RESET_WEIGHT -> api.changeRegion(AdminApi.Action.RESET_WEIGHT, region, body, ifMatch, dryRun(uri), caller);
            case DRAIN -> api.changeRegion(AdminApi.Action.DRAIN, region, body, ifMatch, dryRun(uri), caller);
            case UNDRAIN -> api.changeRegion(AdminApi.Action.UNDRAIN, region, body, ifMatch, dryRun(uri), caller);
            case SET_DIAL -> api.changeRegion(AdminApi.Action.DIAL, region, body, ifMatch, dryRun(uri), caller);
            case RELOAD -> api.reload(ifMatch, caller);
            case CONTROLLER -> AdminReply.json(200, controller.report());
        };
    }

    private static boolean dryRun(QueryStringDecoder uri) {
        List<String> values = uri.parameters().get("dry_run");
        if (values == null || values.isEmpty()) {
            return false;
        }
        String value = values.get(values.size() - 1);
        if (value.equals("true") || value.isEmpty()) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw AdminError.badRequest("invalid_parameter", "dry_run: '" + shorten(value) + "' (expected true or false)");
    }

    /** The token of {@code Authorization: Bearer <token>} (RFC 6750), or 401. */
    private AdminToken authenticate(HttpServerRequest request) {
        String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null) {
            throw AdminError.of(401, "unauthorized", "missing Authorization: Bearer <token>")
                    .withHeader("WWW-Authenticate", REALM);
        }
        String h = header.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
            throw AdminError.of(401, "unauthorized", "expected Authorization: Bearer <token>")
                    .withHeader("WWW-Authenticate", REALM + ", error=\"invalid_request\"");
        }
        Optional<AdminToken> token = access.get().authenticate(h.substring(7).strip());
        if (token.isEmpty()) {
            log.info("admin API: unknown bearer token from {} for {} {}", remote(request), request.method(),
                    shorten(new QueryStringDecoder(request.uri()).path()));
            throw AdminError.of(401, "unauthorized", "the bearer token is not one of admin.tokens")
                    .withHeader("WWW-Authenticate", REALM + ", error=\"invalid_token\"");
        }
        return token.get();
    }

    private static AdminError methodNotAllowed(HttpMethod method, String path, List<AdminRoute> onPath) {
        String allow = onPath.stream().map(r -> r.method().name()).distinct().collect(Collectors.joining(", "));
        return AdminError.of(405, "method_not_allowed", method + " " + shorten(path) + " is not supported (allowed: " + allow + ")")
                .withHeader("Allow", allow);
    }

    /**
     * The request body, at most {@code admin.max-request-body} bytes; beyond, 413 once the rest is
     * read and dropped, or at once when the declared length is more than {@link #DISCARD_LIMIT}
     * over the limit.
     */
    private Mono<byte[]> body(HttpServerRequest request) {
        int max = access.get().maxRequestBody();
        String declared = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                length = Long.MAX_VALUE;
            }
            if (length - max > DISCARD_LIMIT) {
                return Mono.error(tooLarge(max));
            }
        }
        return request.receive().asByteArray()
                .collect(() -> new BoundedBody(max), BoundedBody::add)
                .flatMap(body -> body.overLimit() ? Mono.error(tooLarge(max)) : Mono.just(body.bytes()));
    }

    /** A request body as it arrives: kept up to the limit, then only counted (and refused past the discard limit). */
    private static final class BoundedBody {
        private final int max;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long received;

        BoundedBody(int max) {
            this.max = max;
        }

        void add(byte[] chunk) {
            received += chunk.length;
            if (received - max > DISCARD_LIMIT) {
                throw tooLarge(max); // more than is worth reading: the connection closes with data unread
            }
            if (received <= max) {
                kept.write(chunk, 0, chunk.length);
            }
        }

        boolean overLimit() {
            return received > max;
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }

    private static AdminError tooLarge(int max) {
        return AdminError.of(413, "body_too_large", "the request body is larger than admin.max-request-body (" + max + " bytes)")
                .withHeader("Connection", "close");
    }

    private static AdminReply errorReply(Throwable e, HttpServerRequest request) {
        if (e instanceof AdminError error) {
            return error.reply();
        }
        if (e instanceof RejectedExecutionException) {
            return AdminError.of(503, "busy", "too many admin requests at once; try again").reply();
        }
        log.error("admin API: {} {} failed", request.method(), shorten(request.uri()), e);
        return AdminError.of(500, "internal_error", "the request failed: " + e.getClass().getSimpleName()
                + "; the router's log has the details").reply();
    }

    private static Mono<Void> send(HttpServerResponse response, AdminReply reply) {
        response.status(reply.status()).header(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (reply.status() == 304) {
            // The status page's revalidations. No Content-Length: in a 304 it would have to be the
            // length of the 200 (RFC 9110, section 8.6), and there is no content to describe.
            reply.headers().forEach(response::header);
            return response.send();
        }
        response.header(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(reply.body().length));
        reply.headers().forEach(response::header);
        return response.sendByteArray(Mono.just(reply.body())).then();
    }

    private static String remote(HttpServerRequest request) {
        InetSocketAddress peer = request.remoteAddress();
        return peer == null || peer.getAddress() == null ? "unknown" : peer.getAddress().getHostAddress();
    }

    private static String shorten(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
