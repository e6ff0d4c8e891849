package dev.meridian.router.controller;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Who decides, and from which counters: a single instance decides alone from its own; in a fleet,
 * the instance elected through etcd decides from the sum of every instance's published counters,
 * and the others follow.
 */
interface ControllerFleet extends AutoCloseable {

    /** This instance's part. */
    enum Role {
        /** It decides. */
        LEADER,
        /** Another instance decides. */
        FOLLOWER,
        /** Nobody can be sure to decide alone (etcd does not answer): nobody decides. */
        PAUSED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * This instance's part now, and the counters to decide from.
     *
     * @param role this instance's part
     * @param instance this instance's id
     * @param leader the leading instance's id (and admin address), {@code null} when unknown
     * @param counters when leading: the cumulative counters to decide from (this instance's, or the fleet's sum)
     * @param problem why it is paused; {@code null} otherwise
     */
    record View(Role role, String instance, @Nullable String leader, Map<String, SliCounters> counters, @Nullable String problem) {}

    /** How an instance is named in a {@link View}'s leader and in the log: its id and where its admin API listens. */
    static String describe(String instance, String adminAddress) {
        return instance + " (" + adminAddress + ")";
    }

    /** Called every evaluation with this instance's cumulative counters; it takes part in the election from then on. */
    View tick(Map<String, SliCounters> local);

    /** This instance's controller is off: it stops taking part in the election, and gives up leading at once. */
    void standBy();

    /** {@code single} or {@code etcd}. */
    String kind();

    @Override
    void close();

    /** One instance alone: always the leader, deciding from its own counters. */
    static ControllerFleet single(String instance) {
        return new ControllerFleet() {
            @Override
            public View tick(Map<String, SliCounters> local) {
                return new View(Role.LEADER, instance, instance, local, null);
            }

            @Override
            public void standBy() {}

            @Override
            public String kind() {
                return "single";
            }

            @Override
            public void close() {}
        };
    }
}
