/**
 * The SLO-driven controller: {@link dev.meridian.router.controller.SloController} samples each
 * region's SLIs from the router's meters, {@code DialRule} judges their burn rates, and the
 * controller turns regions' traffic dials through a {@link dev.meridian.router.controller.DialActuator}
 * (in a fleet, only the instance elected through etcd).
 */
@NullMarked
package dev.meridian.router.controller;

import org.jspecify.annotations.NullMarked;
