/**
 * JMH benchmarks of the hot path: routing decision, GeoIP lookup (cached and uncached), header
 * rewriting, endpoint pick, access log line. Run them with {@code loadtest/jmh} (see its header);
 * they live with the tests so that they can build their own GeoIP database with the test
 * {@code MmdbWriter}.
 */
@NullMarked
package dev.meridian.loadtest.jmh;

import org.jspecify.annotations.NullMarked;
