package dev.meridian.router.controller;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The controller's hands: it reads the regions' traffic dials and turns one through the normal
 * admin path (stored, audited, applied fleet-wide), as any admin change.
 */
public interface DialActuator {

    /** Every configured region's dial, by region name. */
    Map<String, Dial> dials();

    /**
     * Turns {@code region}'s dial to {@code percent} as {@code actor}, with {@code details} in the
     * audit line. Fails (exceptionally) when the store refuses, and for a pinned dial.
     *
     * @return the admin state's revision after the change
     */
    CompletableFuture<Long> turn(String region, int percent, String actor, Map<String, Object> details);

    /**
     * One region's dial.
     *
     * @param percent the share of its traffic the region keeps, 0..100
     * @param baseline where an SRE left it (the controller turns it back up to this, never above)
     * @param pinned whether an SRE set it explicitly: the controller leaves it alone
     * @param setBy who set it last ({@code slo-controller} for the controller)
     */
    record Dial(int percent, int baseline, boolean pinned, String setBy) {
        /** The dial of a region nobody turned: 100 %. */
        public static final Dial FULL = new Dial(100, 100, false, "config");

        public Dial {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
            }
            if (baseline < 0 || baseline > 100) {
                throw new IllegalArgumentException("baseline: " + baseline + " (expected: 0..100)");
            }
        }
    }
}
