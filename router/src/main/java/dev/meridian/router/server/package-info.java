/**
 * The client-facing side: the channel initializer and the pipeline stages of an HTTP/1.1 or HTTP/2
 * client connection (connection limits, PROXY protocol, TLS and ALPN, request timeouts, pipelining,
 * validation, refusals) up to the {@code ProxyHandler} that starts an exchange. The top of the
 * data path: depends on {@code exchange}, {@code upstream}, {@code metrics} and {@code http}.
 */
@NullMarked
package dev.meridian.router.server;

import org.jspecify.annotations.NullMarked;
