package dev.meridian.router.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.ApdexConfig;
import dev.meridian.config.HedgeConfig;
import dev.meridian.config.MeridianConfig;
import dev.meridian.config.PanicMode;
import dev.meridian.config.RegionConfig;
import dev.meridian.config.RetryConfig;
import dev.meridian.config.RouteConfig;
import dev.meridian.config.RoutingConfig;
import dev.meridian.config.TimeoutConfig;
import dev.meridian.config.Transport;
import dev.meridian.health.HealthRegistry;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.GeoLocator;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.regions.RoutingPolicy;
import dev.meridian.regions.RoutingTable;
import dev.meridian.router.exchange.AttemptRescuer;
import dev.meridian.router.exchange.ProxyResources;
import dev.meridian.router.exchange.RegionStalls;
import dev.meridian.router.exchange.RetryBudget;
import dev.meridian.router.exchange.RouteTable;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.exchange.TimeToFirstByteTracker;
import dev.meridian.router.http.ForwardingHeaders;
import dev.meridian.router.http.GrpcStatus;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.RecentRequests;
import dev.meridian.router.metrics.RequestMeters;
import dev.meridian.router.upstream.EventLoopTransport;
import dev.meridian.router.upstream.UpstreamPools;
import dev.meridian.router.upstream.UpstreamTargets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy stage behind the real pipelining and validation stages, on an {@link EmbeddedChannel}
 * with real configuration, routing, health and meters on a fake clock: the decisions it takes
 * before any upstream is involved (nowhere to go, gRPC to an HTTP/1.1-only fleet, drain, idle).
 * The relay itself needs the router's event loops and is tested end to end in {@code loadtest/}.
 */
class ProxyStageTest {

    private static final RouteConfig GRPC = new RouteConfig("chat-grpc", "/gitlab.ai.Chat/", TimeoutConfig.ofDefaults(),
            null, RetryConfig.ofDefaults(), HedgeConfig.ofDefaults(), ApdexConfig.ofDefaults(), true);

    private long now = 1_000_000_000L;
    private final MeridianConfig config = MeridianConfig.builder(List.of(
                    RegionConfig.of("us-east4", URI.create("http://127.0.0.1:5001"))))
            .routes(List.of(GRPC))
            // With every region drained, refuse rather than route anyway (the default panic mode).
            .routing(RoutingConfig.ofDefaults().withPanic(PanicMode.REJECT))
            .build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RoutingTable table = RoutingTable.build(config.regions(), config.routing(), () -> now);
    private final HealthRegistry health = HealthRegistry.create(table, config.health(), () -> now);
    private final TimeToFirstByteTracker timeToFirstByte = new TimeToFirstByteTracker(() -> now);
    // Never used by these tests (no exchange starts), but the resources need them: one small loop.
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ProxyResources resources = new ProxyResources(
            new UpstreamPools(group, EventLoopTransport.select(Transport.NIO), config.upstream(), this::upstreams),
            new RetryBudget(0.2, 10, 10, () -> now), timeToFirstByte, new AttemptRescuer(group, () -> now),
            new RecentRequests(), AccessLog.OFF, "http", () -> now, Clock.systemUTC());
    private RouterSnapshot snapshot;
    private EmbeddedChannel channel;

    @AfterEach
    void close() throws Exception {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        resources.pools().closeAll();
        resources.rescuer().close();
        health.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private UpstreamTargets upstreams() {
        return snapshot.upstreams();
    }

    private void open(RegionOverrides overrides) {
        snapshot = new RouterSnapshot(config, RouteTable.of(config),
                RoutingPolicy.create(table, config.routing(), health, overrides, () -> now), health,
                new ClientAddressResolver(config.geo()), GeoLocator.NONE, new RequestMeters(registry, config),
                UpstreamTargets.of(config.regions()),
                new RegionStalls(table, health, config.health().stall(), timeToFirstByte, () -> now));
        channel = new EmbeddedChannel(new PipeliningHandler(config.server().maxPipelinedRequests()),
                RequestValidationHandler.stages(() -> snapshot, resources).get(),
                new ProxyHandler(() -> snapshot, resources));
    }

    @Test
    void aRequestNoRegionCanTakeIsAnsweredWith503AndItsConnectionCloses() {
        open(RegionOverrides.NONE.withDrained("us-east4", true));
        HttpRequest head = request("/v2/code/completions");
        head.headers().set(ForwardingHeaders.X_REQUEST_ID, "rid-1").set(HttpHeaderNames.CONTENT_LENGTH, 2);
        channel.writeInbound(head, new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", US_ASCII)));

        FullHttpResponse response = channel.readOutbound();
        try {
            assertThat(response.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
            assertThat(response.headers().get(ForwardingHeaders.X_REQUEST_ID)).isEqualTo("rid-1");
            assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
            assertThat(response.content().toString(US_ASCII)).contains("\"no_upstream\"");
        } finally {
            response.release();
        }
        assertThat(channel.isOpen()).as("closed once the answer is flushed").isFalse();
        assertThat(requests("none")).as("counted under region none").isEqualTo(1);
        assertThat(registry.get("meridian.error.responses").tag("error", "no_upstream").counter().count()).isEqualTo(1);
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void aGrpcCallWithOnlyHttp1RegionsGetsAGrpcUnavailableStatus() {
        open(RegionOverrides.NONE);
        HttpRequest head = request("/gitlab.ai.Chat/Ask");
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set(HttpHeaderNames.TE, "trailers")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        channel.writeInbound(head, new DefaultHttpContent(Unpooled.copiedBuffer("\0\0\0\0\0", US_ASCII)));

        FullHttpResponse response = channel.readOutbound();
        try {
            assertThat(response.status()).as("a trailers-only gRPC answer").isEqualTo(HttpResponseStatus.OK);
            assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/grpc");
            assertThat(response.headers().getInt("grpc-status")).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(response.headers().get("grpc-message")).startsWith("meridian: no_upstream");
        } finally {
            response.release();
        }
        assertThat(requests("none")).isEqualTo(1);
        // The body part that came with the head was dropped (the leak detector would see it otherwise).
        assertThat(channel.isOpen()).as("closed once the answer is flushed").isFalse();
    }

    /** A drain, or the keep-alive idle timeout, closes a connection with no request in flight. */
    @ParameterizedTest
    @MethodSource("closingEvents")
    void anEventThatEndsAnIdleConnectionClosesIt(Object event) {
        open(RegionOverrides.NONE);
        assertThat(channel.isOpen()).isTrue();
        channel.pipeline().fireUserEventTriggered(event);
        assertThat(channel.isOpen()).isFalse();
    }

    static List<Object> closingEvents() {
        return List.of(ProxyHandler.DRAIN, IdleStateEvent.READER_IDLE_STATE_EVENT);
    }

    private double requests(String region) {
        return registry.find("meridian.requests").tag("region", region).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static HttpRequest request(String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        request.headers().set(HttpHeaderNames.HOST, "meridian.test");
        return request;
    }
}
