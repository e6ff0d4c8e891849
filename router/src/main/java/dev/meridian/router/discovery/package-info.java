/**
 * Endpoint discovery by DNS: {@link dev.meridian.router.discovery.DnsDiscovery} resolves the
 * endpoints given by host name (a Cloud Run URL, a Kubernetes headless Service) on its own event
 * loop with Netty's DnsNameResolver, again whenever an answer's TTL runs out, and tells the router
 * when an answer changed so that the region's replicas follow it (see {@code src/docs/discovery.md}).
 */
@NullMarked
package dev.meridian.router.discovery;

import org.jspecify.annotations.NullMarked;
