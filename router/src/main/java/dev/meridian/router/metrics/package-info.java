/**
 * What the data path records: the meter catalogue ({@code RouterMeters}), per-request meters, the
 * access log and its format, and the recent requests the admin API shows. Depends only on
 * {@code http}.
 */
@NullMarked
package dev.meridian.router.metrics;

import org.jspecify.annotations.NullMarked;
