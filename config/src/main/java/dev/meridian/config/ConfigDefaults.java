package dev.meridian.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Every default of the configuration, in one place. The JSON Schema states the same values as
 * {@code default}s for documentation; a test keeps the two equal.
 *
 * <p>The values favour a production edge proxy: tight connect timeouts (a dead endpoint must be
 * skipped quickly), generous first-byte and total budgets (model inference and streamed chat are
 * slow), bounded pools and request sizes, and an admin API on loopback only.
 */
public final class ConfigDefaults {

    private ConfigDefaults() {}

    // listen
    /** Every IPv4 interface. */
    public static final String LISTEN_ADDRESS = "0.0.0.0";
    public static final int LISTEN_PORT = 8080;
    /** Off: with it on, whoever connects could claim any client address. */
    public static final boolean PROXY_PROTOCOL = false;

    // listen.tls and admin.tls
    /** TLS 1.3 first; 1.2 for older clients. Nothing older (RFC 8996). */
    public static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    public static final TlsProvider TLS_PROVIDER = TlsProvider.AUTO;
    /** Certificate renewals (cert-manager, ACME) are picked up within this. */
    public static final Duration TLS_RELOAD_INTERVAL = Duration.ofSeconds(10);

    // server
    /** 0 = one event loop per available core. */
    public static final int EVENT_LOOPS = 0;
    public static final Transport TRANSPORT = Transport.AUTO;
    /** Longer request line: 414. */
    public static final int MAX_INITIAL_LINE_LENGTH = 8 * 1024;
    /** Larger header block: 431. */
    public static final int MAX_HEADER_SIZE = 16 * 1024;
    /** Larger body: 413. Gateway request bodies are a few KB, at most about 600 KB. */
    public static final long MAX_REQUEST_BODY = 16L * 1024 * 1024;
    public static final Duration CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final boolean REGION_HEADER = true;
    /** A slowloris client that has not sent its whole request head by then is answered 408 and closed. */
    public static final Duration REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(10);
    /** Longest wait for the next part of a request body before 408 and close. */
    public static final Duration REQUEST_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** Client connections at once, all addresses together; more are closed at accept. */
    public static final int MAX_CONNECTIONS = 10_000;
    /** Client connections at once from one IP address; 0 = no per-address limit. */
    public static final int MAX_CONNECTIONS_PER_IP = 256;
    /** Requests a client may pipeline behind the one in flight on a connection. */
    public static final int MAX_PIPELINED_REQUESTS = 16;
    /** Empty: any Host header; absolute-form request targets are refused. */
    public static final List<String> HOSTS = List.of();

    // server.http2
    public static final boolean HTTP2_ENABLED = true;
    /** The value RFC 9113 recommends as a minimum, and what nginx and Envoy advertise. */
    public static final int HTTP2_MAX_CONCURRENT_STREAMS = 100;
    /** RFC 9113's initial window: a slow stream holds at most this much per stream in the router. */
    public static final int HTTP2_INITIAL_WINDOW_SIZE = 65_535;
    /** Far above a browser's or gRPC client's cancellations, far below a rapid-reset flood. */
    public static final int HTTP2_MAX_RESETS_PER_SECOND = 100;

    // upstream
    public static final int MAX_CONNECTIONS_PER_ENDPOINT = 512;
    public static final int MAX_PENDING_ACQUIRES = 1024;
    public static final Duration UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(60);

    // dns
    /** Empty: the servers of the system's {@code /etc/resolv.conf}. */
    public static final List<String> DNS_SERVERS = List.of();
    /** However short an answer's TTL (a headless Service's may be a few seconds), a name is not asked more often. */
    public static final Duration DNS_MIN_REFRESH = Duration.ofSeconds(1);
    /** A changed answer is followed within this even when its TTL is longer. */
    public static final Duration DNS_MAX_REFRESH = Duration.ofSeconds(30);
    /** One query to one server; a local resolver answers in milliseconds. */
    public static final Duration DNS_QUERY_TIMEOUT = Duration.ofSeconds(2);
    /** IPv4 first: a container without IPv6 routes must not be handed IPv6 replicas. */
    public static final LookupFamily DNS_LOOKUP_FAMILY = LookupFamily.V4_PREFERRED;

    // timeouts (route defaults)
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration FIRST_BYTE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration TOTAL_TIMEOUT = Duration.ofMinutes(10);

    // admin
    /** Loopback only: the admin API changes routing. */
    public static final String ADMIN_ADDRESS = "127.0.0.1";
    public static final int ADMIN_PORT = 9901;
    /** No tokens: every authenticated admin call is refused. */
    public static final List<AdminToken> ADMIN_TOKENS = List.of();
    /** Least privilege when a token's scope is not given. */
    public static final AdminToken.Scope ADMIN_TOKEN_SCOPE = AdminToken.Scope.READ;
    /**
     * Weights and drains set through the admin API; relative to the configuration file's
     * directory, so that it lives with the configuration it overrides.
     */
    public static final Path ADMIN_STATE_FILE = Path.of("meridian-state.json");
    /** One JSON line per admin change; relative to the configuration file's directory. */
    public static final Path ADMIN_AUDIT_FILE = Path.of("meridian-audit.jsonl");
    /** Keys of a fleet's state in etcd start with this when {@code fleet.etcd.prefix} is not given. */
    public static final String ETCD_PREFIX = "/meridian/";
    /** Connecting to an etcd member: long enough for a TLS handshake across a data centre. */
    public static final Duration ETCD_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** One etcd request: a write is a Raft round trip (milliseconds); past this the member is treated as gone. */
    public static final Duration ETCD_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The fleet cache, resolved beside {@code admin.state-file} unless {@code fleet.etcd.cache-file} says otherwise. */
    public static final Path ETCD_CACHE_FILE = Path.of("meridian-fleet-cache.json");
    /** Off: an admin API on a non-loopback address without tokens is almost always a mistake. */
    public static final boolean ADMIN_ALLOW_INSECURE = false;
    /** Admin request bodies are a few bytes ({@code {"weight": 50}}); anything larger is refused with 413. */
    public static final int ADMIN_MAX_REQUEST_BODY = 16 * 1024;

    // slo-controller
    /** Advise: an operator sees what the controller would do before letting it act. */
    public static final ControllerMode CONTROLLER_MODE = ControllerMode.ADVISE;
    /** The short window of the classic fast-burn alert (Google SRE workbook, chapter 5). */
    public static final Duration CONTROLLER_SHORT_WINDOW = Duration.ofMinutes(5);
    /** The long window of the classic fast-burn alert. */
    public static final Duration CONTROLLER_LONG_WINDOW = Duration.ofHours(1);
    /** 99.9 % of attempts succeed. */
    public static final double CONTROLLER_AVAILABILITY = 0.999;
    /** An Apdex of 99.5 %. */
    public static final double CONTROLLER_APDEX = 0.995;
    /** The fast burn: 2 % of a 30-day error budget in one hour. */
    public static final double CONTROLLER_BURN_THRESHOLD = 14.4;
    /** Halve a dial on the way down, double it on the way up. */
    public static final double CONTROLLER_STEP = 0.5;
    /** A region turned down keeps a tenth of its traffic: enough to see it recover. */
    public static final double CONTROLLER_FLOOR = 0.1;
    /** Ten calm minutes before a step back up. */
    public static final Duration CONTROLLER_COOL_DOWN = Duration.ofMinutes(10);
    /** SLIs sampled and judged every 10 s. */
    public static final Duration CONTROLLER_INTERVAL = Duration.ofSeconds(10);
    /** Fewer attempts in the short window than this say nothing about a rate. */
    public static final int CONTROLLER_MIN_ATTEMPTS = 50;

    // geo
    /** A configured database that cannot be opened stops the start: silently routing without geo is worse. */
    public static final boolean GEO_REQUIRED = true;
    /** How often the database file is checked for a new version (MaxMind publishes at most daily). */
    public static final Duration GEO_RELOAD_INTERVAL = Duration.ofSeconds(60);
    /** Address-to-location cache entries; a few MiB, enough for the active clients of one instance. */
    public static final long GEO_CACHE_SIZE = 100_000;
    /** Decoded database nodes cached by the GeoIP2 reader. */
    public static final long GEO_NODE_CACHE_SIZE = 8192;
    /** No proxy is trusted to report the client address. */
    public static final List<CidrRange> TRUSTED_PROXIES = List.of();
    /** No header is trusted to report the client location. */
    public static final List<String> LOCATION_HEADERS = List.of();

    // routing
    public static final RoutingMode ROUTING_MODE = RoutingMode.DISTANCE;
    /** About the latency of 1000 km of fibre: closer than that is "equally near". */
    public static final Duration TIE_BAND = Duration.ofMillis(10);
    /** Envoy's overprovisioning factor: a region keeps all its traffic until 2/7 of its endpoints are gone. */
    public static final double SPILL_FACTOR = 1.4;
    public static final Duration HYSTERESIS = Duration.ofMillis(5);
    /** Latency changes a client location's first region at most once per this: a gray failure moves traffic once, not back and forth. */
    public static final Duration HYSTERESIS_PERIOD = Duration.ofSeconds(10);
    /** A request that may succeed beats a certain 503. */
    public static final PanicMode PANIC = PanicMode.ROUTE;
    public static final Duration DEFAULT_TTFB = Duration.ofMillis(100);
    public static final Duration TTFB_DECAY = Duration.ofSeconds(10);

    // health.probe
    public static final boolean PROBE_ENABLED = true;
    /** The gateway's cheap liveness endpoint; {@code /monitoring/ready} calls the model providers and is too costly to probe. */
    public static final String PROBE_PATH = "/monitoring/healthz";
    public static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** A fifth of the interval either way: routers started together drift apart within a few probes. */
    public static final double PROBE_JITTER = 0.2;
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Two in a row: one lost probe does not take an endpoint out. */
    public static final int PROBE_UNHEALTHY_THRESHOLD = 2;
    public static final int PROBE_HEALTHY_THRESHOLD = 2;

    // health.outlier
    public static final int OUTLIER_CONSECUTIVE_FAILURES = 5;
    public static final Duration OUTLIER_BASE_EJECTION = Duration.ofSeconds(30);
    public static final Duration OUTLIER_MAX_EJECTION = Duration.ofSeconds(300);
    /** Half: outlier detection must not empty a region that is failing as a whole (that is the breaker's job). */
    public static final int OUTLIER_MAX_EJECTED_PERCENT = 50;
    /** Envoy's default: an endpoint that answers its probe again is back at once, not after its ejection ran out. */
    public static final boolean OUTLIER_UNEJECT_ON_PROBE_SUCCESS = true;

    // health.breaker
    public static final int BREAKER_FAILURE_RATE_THRESHOLD = 50;
    /** 100: slow calls open the breaker only when every call in the window is slow. */
    public static final int BREAKER_SLOW_CALL_RATE_THRESHOLD = 100;
    public static final Duration BREAKER_SLOW_CALL_DURATION = Duration.ofSeconds(30);
    /** Time-based: what the failure rate means does not change with the load. */
    public static final Duration BREAKER_WINDOW = Duration.ofSeconds(10);
    public static final int BREAKER_MINIMUM_CALLS = 10;
    public static final Duration BREAKER_OPEN_DURATION = Duration.ofSeconds(10);
    public static final int BREAKER_HALF_OPEN_CALLS = 3;

    // health.stall
    public static final boolean STALL_ENABLED = true;
    /** Four times the region's live p99 time to first byte: far beyond its normal tail. */
    public static final double STALL_MULTIPLIER = 4;
    /** A second without any answer while requests wait: well past a GC pause or a slow burst, well before a probe round. */
    public static final Duration STALL_MIN_THRESHOLD = Duration.ofSeconds(1);
    /** Two: one slow request alone is not a stalled region. */
    public static final int STALL_OVERDUE_ATTEMPTS = 2;
    /** Attempts that may wait on a region that has not answered for longer than its p99. */
    public static final int STALL_MAX_WAITING = 16;

    // health.rate-limit
    public static final Duration RATE_LIMIT_DEFAULT_RETRY_AFTER = Duration.ofSeconds(10);
    public static final double RATE_LIMIT_CAPACITY = 0.5;

    // retries
    /** Retries and hedges add at most 20% load (Finagle's and gRPC's usual budget). */
    public static final double RETRY_BUDGET_RATIO = 0.2;
    public static final Duration RETRY_BUDGET_WINDOW = Duration.ofSeconds(10);
    public static final int RETRY_MIN_PER_SECOND = 5;
    /** Bodies up to 1 MiB can be retried; gateway request bodies are at most about 600 KB. */
    public static final long REPLAY_BUFFER = 1024 * 1024;

    // routes[].retry and routes[].hedge
    public static final int RETRY_MAX_ATTEMPTS = 3;
    /** A sent POST may have had an effect: not retried unless the route says its requests have none. */
    public static final boolean RETRY_NON_IDEMPOTENT = false;
    /** Attempts stuck on a region or endpoint declared down are re-sent elsewhere (when they may be repeated). */
    public static final boolean RETRY_RESCUE = true;
    public static final boolean HEDGE_ENABLED = false;
    /** {@code null}: the region's live p95 time to first byte (spelled {@code p95} in the file). */
    public static final @Nullable Duration HEDGE_DELAY = null;

    // routes[].apdex
    /** A completion that starts within a second keeps the user in flow (GitLab's completion SLI). */
    public static final Duration APDEX_SATISFIED = Duration.ofSeconds(1);
    public static final Duration APDEX_TOLERATED = Duration.ofSeconds(10);

    // access-log
    public static final boolean ACCESS_LOG_ENABLED = true;
    public static final int ACCESS_LOG_BUFFER_LINES = 16_384;

    // regions
    public static final int REGION_WEIGHT = 100;
    public static final UpstreamProtocol REGION_PROTOCOL = UpstreamProtocol.H1;
    public static final ProbeKind REGION_PROBE = ProbeKind.HTTP;
    /** The empty service name asks for the server's overall health (gRPC health protocol). */
    public static final String REGION_GRPC_HEALTH_SERVICE = "";
    /** Verify upstream certificates unless told otherwise. */
    public static final boolean UPSTREAM_TLS_VERIFY = true;

    // routes[].grpc
    public static final boolean ROUTE_GRPC = false;

    // routes
    public static final List<RouteConfig> ROUTES = List.of();
    /** Name of the catch-all route used when no configured route matches. */
    public static final String DEFAULT_ROUTE_NAME = "default";
    /** Path prefix of the catch-all route. */
    public static final String DEFAULT_ROUTE_PREFIX = "/";
}
