/** The Netty data path: the client-facing pipeline, the exchange with one upstream, and upstream pools. */
@NullMarked
package dev.meridian.router.internal;

import org.jspecify.annotations.NullMarked;
