/** How the routing policy computes: per-location plans, address literals, the endpoint score. */
@NullMarked
package dev.meridian.regions.internal;

import org.jspecify.annotations.NullMarked;
