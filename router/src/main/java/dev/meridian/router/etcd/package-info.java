/**
 * How the router talks to a fleet's etcd ({@link dev.meridian.router.etcd.EtcdClients}): shared by
 * the admin state store and the SLO controller's election.
 */
@NullMarked
package dev.meridian.router.etcd;

import org.jspecify.annotations.NullMarked;
