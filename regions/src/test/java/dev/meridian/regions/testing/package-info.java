/**
 * Test fixtures other modules' tests may use too (through the regions test-jar): a writer of small
 * MaxMind DB (GeoIP2 City-like) files.
 */
@NullMarked
package dev.meridian.regions.testing;

import org.jspecify.annotations.NullMarked;
