/**
 * Test support for the router's tests alone: {@link dev.meridian.router.testing.Dnsmasq}, a DNS
 * server the tests control, and {@link dev.meridian.router.testing.HeadlessChromium}, the browser of
 * the status page's tests (both found through {@link dev.meridian.testing.ExternalProgram}).
 */
@NullMarked
package dev.meridian.router.testing;

import org.jspecify.annotations.NullMarked;
