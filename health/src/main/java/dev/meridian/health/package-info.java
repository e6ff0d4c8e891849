/** Health signals for the routing policy: active probes, passive outlier detection, latency and circuit breakers (an implementation of {@code dev.meridian.regions.HealthSignals}). */
@NullMarked
package dev.meridian.health;

import org.jspecify.annotations.NullMarked;
