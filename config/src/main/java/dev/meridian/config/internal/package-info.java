/**
 * How a configuration file becomes a {@link dev.meridian.config.MeridianConfig}: YAML with
 * positions, environment substitution, schema validation, binding and the value syntaxes the
 * records share. Not API: other modules use {@code dev.meridian.config} only.
 */
@NullMarked
package dev.meridian.config.internal;

import org.jspecify.annotations.NullMarked;
