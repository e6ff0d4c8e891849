/**
 * The Netty data path: the client-facing pipeline, the {@code Exchange} of one request (its
 * attempts, retries, hedges and rescues, with their rules and budget), upstream connections and
 * pools, and what the path records (access log, request meters, stall detection).
 */
@NullMarked
package dev.meridian.router.internal;

import org.jspecify.annotations.NullMarked;
