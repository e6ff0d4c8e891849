/**
 * Test support for the router's tests: {@link dev.meridian.router.testing.ExternalBinary}, the
 * programs a test runs that the build does not provide (skipped outside CI when missing).
 */
@NullMarked
package dev.meridian.router.testing;

import org.jspecify.annotations.NullMarked;
