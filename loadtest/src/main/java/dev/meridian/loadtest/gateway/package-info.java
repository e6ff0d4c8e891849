/**
 * A simulated replica of GitLab's AI gateway ({@link dev.meridian.loadtest.gateway.SimulatedGateway}):
 * a Netty HTTP/1.1 and HTTP/2 server (plaintext or TLS) with the gateway's endpoints, a gRPC
 * service on raw HTTP/2, a latency model, injectable faults and a JSON control port, so the
 * router's tests, the demo and the benchmarks have upstreams that behave (and misbehave) on demand.
 */
@NullMarked
package dev.meridian.loadtest.gateway;

import org.jspecify.annotations.NullMarked;
