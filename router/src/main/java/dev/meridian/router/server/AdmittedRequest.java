package dev.meridian.router.server;

import io.netty.handler.codec.http.HttpRequest;

/**
 * A request head that {@link RequestValidationHandler} let through to the proxy stage, with what
 * it worked out on the way: the request and trace ids and when the head arrived. The head itself
 * holds no buffer; its body follows as {@code HttpContent} messages. {@code refusal} says how to
 * answer the request if the proxy stage refuses it after all (no region, a malformed chunk);
 * {@code traceId} is the trace id the request carries upstream (its {@code traceparent} is set).
 */
record AdmittedRequest(HttpRequest head, Refusal refusal, String traceId) {
}
