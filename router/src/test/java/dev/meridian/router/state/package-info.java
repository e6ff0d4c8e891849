/**
 * Tests of the fleet's state store and their fixture: {@link dev.meridian.router.state.EtcdCluster},
 * a real etcd cluster on loopback. (When the main code adds this package's own
 * {@code package-info.java}, this one goes, as in the router's other test packages.)
 */
@NullMarked
package dev.meridian.router.state;

import org.jspecify.annotations.NullMarked;
