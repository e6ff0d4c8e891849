/**
 * Test support shared by every module that runs Netty (health, router, loadtest, through this
 * module's test-jar): the extension that fails a test class on a reported buffer leak.
 */
@NullMarked
package dev.meridian.health.testing;

import org.jspecify.annotations.NullMarked;
