package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control port: JSON endpoints to inspect and steer one gateway from outside the JVM (the demo,
 * benchmark scripts, curl).
 *
 * <pre>
 * GET  /             name, ports, state, fault, latency, hold
 * GET  /stats        {@link GatewayStats} as JSON     POST /stats/reset  zero the counters
 * GET  /fault        the fault                        PUT  /fault        {"mode":"errors","status":503,"rate":0.5,"retry-after":"5s"}
 * GET  /latency      the latency model                PUT  /latency      {"median":"20ms","p99":"200ms"}
 * GET  /hold         whether streams are held         POST /hold         {"hold":true}
 * POST /down         close the data listener and every data connection
 * POST /up           listen again on the same data port
 * </pre>
 * Bad input is a 400 {@code {"error":"bad_request","detail":"..."}} naming the field. Going down
 * or up runs asynchronously; the answer is written when it has happened. Stateless and
 * {@code @Sharable}; it runs on the control event loop, apart from the data path.
 */
@Sharable
final class ControlHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(ControlHandler.class);

    private final SimulatedGateway gateway;

    ControlHandler(SimulatedGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = GatewayRoute.pathOf(request.uri());
        HttpMethod method = request.method();
        String body = request.content().toString(StandardCharsets.UTF_8);
        try {
            switch (path) {
                case "/" -> {
                    allow(method, HttpMethod.GET);
                    ok(ctx, overview());
                }
                case "/stats" -> {
                    allow(method, HttpMethod.GET);
                    ok(ctx, ControlJson.stats(gateway.name(), gateway.stats()));
                }
                case "/stats/reset" -> {
                    allow(method, HttpMethod.POST);
                    gateway.resetStats();
                    ok(ctx, ControlJson.stats(gateway.name(), gateway.stats()));
                }
                case "/fault" -> {
                    allow(method, HttpMethod.GET, HttpMethod.PUT);
                    if (method.equals(HttpMethod.PUT)) {
                        gateway.setFault(ControlJson.parseFault(body));
                    }
                    ok(ctx, ControlJson.fault(gateway.fault()));
                }
                case "/latency" -> {
                    allow(method, HttpMethod.GET, HttpMethod.PUT);
                    if (method.equals(HttpMethod.PUT)) {
                        gateway.setLatency(ControlJson.parseLatency(body));
                    }
                    ok(ctx, ControlJson.latency(gateway.latency()));
                }
                case "/hold" -> {
                    allow(method, HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT);
                    if (!method.equals(HttpMethod.GET)) {
                        gateway.holdStreams(ControlJson.parseHold(body));
                    }
                    ok(ctx, ControlJson.hold(gateway.streamsHeld()));
                }
                case "/down" -> {
                    allow(method, HttpMethod.POST);
                    whenDone(ctx, "down", gateway.downAsync());
                }
                case "/up" -> {
                    allow(method, HttpMethod.POST);
                    whenDone(ctx, "up", gateway.upAsync());
                }
                default -> write(ctx, JsonResponse.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                        "not_found", "no control endpoint " + method + " " + path));
            }
        } catch (MethodNotAllowed e) {
            FullHttpResponse response = JsonResponse.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method_not_allowed", method + " " + path + " (allowed: " + e.getMessage() + ")");
            response.headers().set(HttpHeaderNames.ALLOW, e.getMessage());
            write(ctx, response);
        } catch (IllegalArgumentException e) {
            write(ctx, JsonResponse.error(
                    ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "bad_request", String.valueOf(e.getMessage())));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("[{}] control connection failed", ctx.channel().id(), cause);
        ctx.close();
    }

    private String overview() {
        return "{\"name\":" + JsonLineWriter.quoted(gateway.name())
                + ",\"state\":\"" + (gateway.isUp() ? "up" : "down") + "\""
                + ",\"port\":" + gateway.port()
                + ",\"controlPort\":" + gateway.controlPort()
                + ",\"fault\":" + ControlJson.fault(gateway.fault())
                + ",\"latency\":" + ControlJson.latency(gateway.latency())
                + ",\"hold\":" + gateway.streamsHeld() + "}";
    }

    private String lifecycleState() {
        return "{\"state\":\"" + (gateway.isUp() ? "up" : "down") + "\",\"port\":" + gateway.port() + "}";
    }

    private void whenDone(ChannelHandlerContext ctx, String what, CompletableFuture<Void> transition) {
        transition.whenComplete((ignored, failure) -> ctx.executor().execute(() -> {
            if (failure == null) {
                ok(ctx, lifecycleState());
            } else {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                log.warn("{}: {} failed", gateway.name(), what, cause);
                write(ctx, JsonResponse.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        what + "_failed", String.valueOf(cause)));
            }
        }));
    }

    private static void ok(ChannelHandlerContext ctx, String json) {
        write(ctx, JsonResponse.of(ctx.alloc(), HttpResponseStatus.OK, json));
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse response) {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private static void allow(HttpMethod method, HttpMethod... allowed) {
        StringBuilder names = new StringBuilder();
        for (HttpMethod candidate : allowed) {
            if (candidate.equals(method)) {
                return;
            }
            names.append(names.length() == 0 ? "" : ", ").append(candidate.name());
        }
        throw new MethodNotAllowed(names.toString());
    }

    /** The request's method is not one the endpoint answers; the message is the {@code Allow} value. */
    private static final class MethodNotAllowed extends RuntimeException {
        MethodNotAllowed(String allowed) {
            super(allowed, null, false, false);
        }
    }
}
