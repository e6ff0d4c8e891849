/**
 * Upstream connections and their pools, HTTP/1.1 and HTTP/2: connecting (name resolution, TLS),
 * handing out and returning connections, eviction, and the targets each pool serves. Depends only
 * on {@code http}.
 */
@NullMarked
package dev.meridian.router.upstream;

import org.jspecify.annotations.NullMarked;
