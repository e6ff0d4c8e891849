package dev.meridian.loadtest.gateway;

import io.netty.util.AsciiString;
import java.util.Locale;

/**
 * gRPC's canonical status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), as sent
 * in the {@code grpc-status} trailer, and the percent-encoding of {@code grpc-message}.
 */
enum GrpcStatus {
    OK,
    CANCELLED,
    UNKNOWN,
    INVALID_ARGUMENT,
    DEADLINE_EXCEEDED,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    FAILED_PRECONDITION,
    ABORTED,
    OUT_OF_RANGE,
    UNIMPLEMENTED,
    INTERNAL,
    UNAVAILABLE,
    DATA_LOSS,
    UNAUTHENTICATED;

    private final AsciiString headerValue = AsciiString.cached(Integer.toString(ordinal()));

    /** The code's number, the order of the constants above. */
    int code() {
        return ordinal();
    }

    /** The {@code grpc-status} value. */
    AsciiString headerValue() {
        return headerValue;
    }

    /**
     * Parses a status given by name ({@code unavailable}, {@code RESOURCE_EXHAUSTED},
     * {@code resource-exhausted}) or number ({@code 14}).
     *
     * @throws IllegalArgumentException when it names no status
     */
    static GrpcStatus parse(String text) {
        String name = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (GrpcStatus status : values()) {
            if (status.name().equals(name) || Integer.toString(status.code()).equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException("'" + text + "' (expected: a gRPC status code name such as unavailable, or 0..16)");
    }
}
