package dev.meridian.config;

import java.util.Locale;

/** How a region's endpoints are probed. */
public enum ProbeKind {
    /** {@code GET health.probe.path}; any 2xx is healthy. */
    HTTP,
    /**
     * The standard gRPC health service ({@code grpc.health.v1.Health/Check}); {@code SERVING} is
     * healthy. Needs an HTTP/2 region ({@code protocol: h2c} or {@code h2}).
     */
    GRPC;

    /** The spelling used in the config file: {@code http}, {@code grpc}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
