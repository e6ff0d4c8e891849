/**
 * Tests of the deployment artefacts under the root {@code src/deploy}: each is built or rendered
 * the way users deploy it and checked against what Meridian and the platform accept.
 */
@NullMarked
package dev.meridian.deploy;

import org.jspecify.annotations.NullMarked;
