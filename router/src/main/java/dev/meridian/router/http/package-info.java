/**
 * HTTP message rules both sides of the proxy use, with no channel state: message framing, the
 * forwarding headers, Meridian's error responses and their gRPC form, how a stream ends, and the
 * names of the handlers in every pipeline. Depends on nothing else in the router.
 */
@NullMarked
package dev.meridian.router.http;

import org.jspecify.annotations.NullMarked;
