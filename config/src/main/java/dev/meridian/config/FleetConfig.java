package dev.meridian.config;

import org.jspecify.annotations.Nullable;

/**
 * Whether this instance is one of a fleet that shares its admin state. Without {@code etcd}, the
 * admin state (weights, drains) lives in {@link AdminConfig#stateFile()} and belongs to this
 * instance alone; with it, the state lives in etcd and every instance of the fleet applies every
 * change.
 *
 * @param etcd the etcd cluster and key prefix that hold the fleet's state; {@code null}: a single instance
 */
public record FleetConfig(@Nullable EtcdConfig etcd) {

    /** A single instance: state in the local file. */
    public static final FleetConfig NONE = new FleetConfig(null);

    /** Whether the admin state is shared through etcd. */
    public boolean enabled() {
        return etcd != null;
    }
}
