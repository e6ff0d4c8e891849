/**
 * Meridian's configuration: immutable, validated records ({@link dev.meridian.config.MeridianConfig}
 * and its parts) and the defaults ({@link dev.meridian.config.ConfigDefaults}). The records check
 * their values with {@code dev.meridian.config.syntax}; {@code dev.meridian.config.loading} turns
 * a YAML file into them or into {@code FILE:LINE:COL: message} problems.
 */
@NullMarked
package dev.meridian.config;

import org.jspecify.annotations.NullMarked;
