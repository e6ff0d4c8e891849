/**
 * Regions and endpoints at run time and the routing policy that chooses, for each request, the
 * region and the endpoint inside it.
 */
@NullMarked
package dev.meridian.regions;

import org.jspecify.annotations.NullMarked;
