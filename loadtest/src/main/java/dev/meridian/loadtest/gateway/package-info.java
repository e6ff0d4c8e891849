/**
 * A simulated replica of GitLab's AI gateway ({@link dev.meridian.loadtest.gateway.SimulatedGateway}):
 * a Netty HTTP/1.1 server with the gateway's endpoints, a latency model, injectable faults and a
 * JSON control port, so the router's tests, the demo and the benchmarks have upstreams that
 * behave (and misbehave) on demand.
 */
@NullMarked
package dev.meridian.loadtest.gateway;

import org.jspecify.annotations.NullMarked;
