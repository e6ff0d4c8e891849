/**
 * Meridian's configuration: immutable, validated records ({@link dev.meridian.config.MeridianConfig}
 * and its parts), the defaults ({@link dev.meridian.config.ConfigDefaults}), and the loader that
 * turns a YAML file into them or into {@code FILE:LINE:COL: message} problems
 * ({@link dev.meridian.config.ConfigLoader}).
 */
@NullMarked
package dev.meridian.config;

import org.jspecify.annotations.NullMarked;
