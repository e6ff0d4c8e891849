/**
 * gRPC test clients built on grpc-java (test scope only): {@link dev.meridian.loadtest.grpc.GrpcChatClient}
 * talks to {@code meridian.sim.v1.Chat} and the standard health service of a simulated gateway,
 * directly or through the router.
 */
@NullMarked
package dev.meridian.loadtest.grpc;

import org.jspecify.annotations.NullMarked;
