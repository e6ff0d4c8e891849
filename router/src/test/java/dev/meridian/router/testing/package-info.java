/**
 * Test support for the router's tests: {@link dev.meridian.router.testing.ExternalBinary}, the
 * programs a test runs that the build does not provide (skipped outside CI when missing), and
 * {@link dev.meridian.router.testing.HeadlessChromium}, the browser of the status page's tests.
 */
@NullMarked
package dev.meridian.router.testing;

import org.jspecify.annotations.NullMarked;
