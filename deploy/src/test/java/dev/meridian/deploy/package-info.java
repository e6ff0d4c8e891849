/**
 * Tests of the deployment artefacts in {@code src/deploy}, each against the router jar it ships:
 * the container image, the Debian package and the systemd unit.
 */
@NullMarked
package dev.meridian.deploy;

import org.jspecify.annotations.NullMarked;
