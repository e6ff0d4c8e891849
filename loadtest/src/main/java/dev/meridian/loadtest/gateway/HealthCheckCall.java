package dev.meridian.loadtest.gateway;

import io.netty.buffer.ByteBuf;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code grpc.health.v1.Health/Check}, the standard gRPC health service
 * (https://github.com/grpc/grpc/blob/master/doc/health-checking.md), a unary call:
 *
 * <pre>
 * message HealthCheckRequest { string service = 1; }
 * message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 *                               ServingStatus status = 1; }
 * </pre>
 *
 * The server as a whole ({@code ""}) and {@code meridian.sim.v1.Chat} are known; they are
 * {@code SERVING} unless the gateway's fault makes it not ready (see {@link GrpcStreamHandler}).
 * Any other service name fails the call with {@code NOT_FOUND}, as the specification requires of
 * {@code Check} ({@code SERVICE_UNKNOWN} is what {@code Watch} sends instead). Per call.
 */
final class HealthCheckCall implements GrpcCall {

    /** The method's {@code :path}. */
    static final String PATH = "/grpc.health.v1.Health/Check";

    static final int SERVING = 1;
    static final int NOT_SERVING = 2;

    private static final int SERVICE = 1;
    private static final int STATUS = 1;

    private final BooleanSupplier serving;
    private @Nullable String service;

    /** {@code serving} is read when the answer is written. */
    HealthCheckCall(BooleanSupplier serving) {
        this.serving = serving;
    }

    @Override
    public void onMessage(ByteBuf message, Responder responder) {
        if (service != null) {
            responder.finish(GrpcStatus.INTERNAL, "more than one request message for a unary method");
            return;
        }
        String name = "";
        while (message.isReadable()) {
            long tag = ProtoWire.readVarint(message);
            int wireType = (int) (tag & 7);
            if (tag >>> 3 == SERVICE && wireType == ProtoWire.LENGTH_DELIMITED) {
                name = ProtoWire.readString(message);
            } else {
                ProtoWire.skipField(message, wireType);
            }
        }
        service = name;
    }

    @Override
    public void onHalfClose(Responder responder) {
        String requested = service;
        if (requested == null) {
            responder.finish(GrpcStatus.INTERNAL, "half-closed without a request message");
        } else if (!requested.isEmpty() && !requested.equals("meridian.sim.v1.Chat")) {
            responder.finish(GrpcStatus.NOT_FOUND, "unknown service " + requested);
        } else {
            int status = serving.getAsBoolean() ? SERVING : NOT_SERVING;
            responder.send(ProtoWire.varintFieldSize(STATUS, status), out -> ProtoWire.writeVarintField(out, STATUS, status));
            responder.finish(GrpcStatus.OK, "");
        }
    }
}
