/**
 * One request's life: the {@code Exchange} that routes it and runs its attempts (retries, hedges,
 * rescues of waiting attempts) under one timer, the rules and budget that decide them, region stall
 * detection, and the routing snapshot and shared resources an exchange reads. Depends on
 * {@code upstream}, {@code metrics} and {@code http}.
 */
@NullMarked
package dev.meridian.router.exchange;

import org.jspecify.annotations.NullMarked;
