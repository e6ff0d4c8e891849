package dev.meridian.router.controller;

import dev.meridian.regions.RegionDial;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The controller's hands: it reads the regions' traffic dials and turns one through the normal
 * admin path (stored, audited, applied fleet-wide), as any admin change. The router's is
 * {@link dev.meridian.router.admin.RegionDials}; tests use a fake.
 */
public interface DialActuator {

    /** Every configured region's dial, by region name. */
    Map<String, RegionDial> dials();

    /**
     * Turns {@code region}'s dial to {@code percent} as {@code actor}, with {@code details} in the
     * audit line. Completes exceptionally when the change is not made (a pinned dial, the store
     * unavailable); with {@link Refused} when an SRE's dial forbids it.
     *
     * @return the admin state's revision after the change
     */
    CompletableFuture<Long> turn(String region, int percent, String actor, Map<String, Object> details);

    /** The change was refused for a reason that trying again will not fix (a pinned dial, a percent above the baseline). */
    final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message, null, false, false);
        }
    }
}
