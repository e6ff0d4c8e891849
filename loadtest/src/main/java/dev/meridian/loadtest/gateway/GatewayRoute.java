package dev.meridian.loadtest.gateway;

import io.netty.handler.codec.http.HttpMethod;
import org.jspecify.annotations.Nullable;

/**
 * The data port's endpoints, classified from a request's path alone.
 *
 * <p>One place decides which endpoint a request is for, so the stats, the fault injection and the
 * endpoint handler agree on it; classification is a string switch, cheap enough to repeat in each.
 */
enum GatewayRoute {
    CODE_COMPLETIONS("/v2/code/completions", HttpMethod.POST),
    COMPLETIONS("/v2/completions", HttpMethod.POST),
    CODE_SUGGESTIONS("/v4/code/suggestions", HttpMethod.POST),
    CHAT_AGENT("/v2/chat/agent", HttpMethod.POST),
    ECHO("/echo", null),
    BYTES("/bytes", HttpMethod.GET),
    HEALTHZ("/monitoring/healthz", HttpMethod.GET),
    READY("/monitoring/ready", HttpMethod.GET),
    /** gRPC over HTTP/2 only ({@link GrpcStreamHandler}); {@link #of} never returns it. */
    GRPC_CONVERSE(ConverseCall.PATH, HttpMethod.POST),
    /** gRPC over HTTP/2 only ({@link GrpcStreamHandler}); {@link #of} never returns it. */
    GRPC_HEALTH_CHECK(HealthCheckCall.PATH, HttpMethod.POST),
    OTHER(GatewayStats.OTHER_PATH, null);

    static final String BYTES_PREFIX = "/bytes/";

    private final String statsKey;
    private final @Nullable HttpMethod method;

    GatewayRoute(String statsKey, @Nullable HttpMethod method) {
        this.statsKey = statsKey;
        this.method = method;
    }

    /** Classifies a request target ({@code /path?query}) of an HTTP request (REST, not gRPC). */
    static GatewayRoute of(String uri) {
        String path = pathOf(uri);
        return switch (path) {
            case "/v2/code/completions" -> CODE_COMPLETIONS;
            case "/v2/completions" -> COMPLETIONS;
            case "/v4/code/suggestions" -> CODE_SUGGESTIONS;
            case "/v2/chat/agent" -> CHAT_AGENT;
            case "/echo" -> ECHO;
            case "/monitoring/healthz" -> HEALTHZ;
            case "/monitoring/ready" -> READY;
            default -> path.startsWith(BYTES_PREFIX) ? BYTES : OTHER;
        };
    }

    /** The request target without its query string. */
    static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** The key this endpoint is counted under in {@link GatewayStats#requestsByPath()}. */
    String statsKey() {
        return statsKey;
    }

    /** Whether this endpoint answers {@code method} (false means 405). */
    boolean allows(HttpMethod requested) {
        return method == null || method.equals(requested);
    }

    /** The one method this endpoint answers, for the {@code Allow} header of a 405. */
    String allowedMethods() {
        return method == null ? "GET, POST, PUT, PATCH, DELETE" : method.name();
    }

    /** Whether the response is a stream that {@link Fault.ResetMidStream} cuts. */
    boolean isStreaming() {
        return this == CODE_SUGGESTIONS || this == CHAT_AGENT || this == BYTES;
    }
}
