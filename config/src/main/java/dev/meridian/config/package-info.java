/** placeholder */
@NullMarked
package dev.meridian.config;

import org.jspecify.annotations.NullMarked;
