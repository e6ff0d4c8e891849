/**
 * Test support shared by every module's tests (a test-scoped dependency, never product code): the
 * extension that fails a test class on a reported Netty buffer leak, log capture, the MMDB writer,
 * programs the build does not provide, a configurable test upstream and the router fixture builder.
 */
@NullMarked
package dev.meridian.testing;

import org.jspecify.annotations.NullMarked;
