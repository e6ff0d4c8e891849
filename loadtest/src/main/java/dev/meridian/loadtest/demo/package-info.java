/** {@code meridian demo}: simulated regions and the router on loopback, with sample traffic. */
@NullMarked
package dev.meridian.loadtest.demo;

import org.jspecify.annotations.NullMarked;
