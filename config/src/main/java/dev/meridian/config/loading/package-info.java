/**
 * How a configuration file becomes a {@link dev.meridian.config.MeridianConfig}: the loader and
 * its problems ({@code FILE:LINE:COL: message}), and behind them, package-private, YAML with
 * positions, environment substitution, schema validation and binding to the records.
 */
@NullMarked
package dev.meridian.config.loading;

import org.jspecify.annotations.NullMarked;
