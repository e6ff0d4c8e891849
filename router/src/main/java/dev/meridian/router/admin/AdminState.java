package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import dev.meridian.regions.RegionOverrides;

/**
 * The admin overrides in force and their revision. Every change makes a new revision; clients
 * send the revision they last saw as {@code If-Match}, so that of two SREs changing the same
 * state the second learns about the first (412) instead of silently undoing it.
 *
 * @param overrides weights, drains and dials set through the API (dials also by the SLO controller)
 * @param revision 0 for the configuration as written (no state file), then one more per change
 */
record AdminState(RegionOverrides overrides, long revision) {

    static final AdminState INITIAL = new AdminState(RegionOverrides.NONE, 0);

    AdminState {
        requireNonNull(overrides, "overrides");
        if (revision < 0) {
            throw new IllegalArgumentException("revision: " + revision + " (expected: >= 0)");
        }
    }

    /** The next revision with {@code next} overrides. */
    AdminState next(RegionOverrides next) {
        return new AdminState(next, revision + 1);
    }
}
