package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

/**
 * A region's traffic dial: the fraction of the traffic the region would otherwise get that it
 * keeps, in percent; the rest spills to the next-ranked regions exactly like the spill of a partly
 * healthy region, and the two multiply (a region at dial 50 with half its endpoints up keeps
 * {@code 0.5 × min(1, 1.4 × 0.5) = 35%}). Dial 0 is not a drain: the region still takes traffic
 * when no other region can (see {@link RoutingPolicy}).
 *
 * <p>An SRE's change sets {@code percent} and {@code baseline} together and pins the dial; an
 * automated actor (the SLO controller) moves only {@code percent}, between 0 and the baseline, and
 * never a pinned dial.
 *
 * @param percent what the region keeps, 0..100
 * @param baseline where the SRE left the dial (what automation returns it to), 0..100
 * @param pinned whether an SRE set it explicitly: automation leaves it alone until unpinned
 * @param setBy who made the last change: an admin token's name, or an automated actor such as {@code slo-controller}
 */
public record RegionDial(int percent, int baseline, boolean pinned, String setBy) {

    public static final int MIN_PERCENT = 0;
    public static final int MAX_PERCENT = 100;

    /** A region nobody dialled: all of its traffic, not pinned. */
    public static final RegionDial DEFAULT = new RegionDial(MAX_PERCENT, MAX_PERCENT, false, "");

    public RegionDial {
        checkPercent("percent", percent);
        checkPercent("baseline", baseline);
        requireNonNull(setBy, "setBy");
    }

    /** Throws with {@code "percent: 120 (expected: 0..100)"} unless {@code value} is a dial position. */
    public static void checkPercent(String name, int value) {
        if (value < MIN_PERCENT || value > MAX_PERCENT) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + MIN_PERCENT + ".." + MAX_PERCENT + ")");
        }
    }

    /** {@link #percent} as the fraction routing multiplies by, 0..1. */
    public double ratio() {
        return percent / 100.0;
    }

    /** Whether this dial changes nothing: at 100, baseline 100, not pinned (who set it does not matter). */
    public boolean isDefault() {
        return percent == MAX_PERCENT && baseline == MAX_PERCENT && !pinned;
    }
}
