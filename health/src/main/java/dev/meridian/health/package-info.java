/** placeholder */
@NullMarked
package dev.meridian.health;

import org.jspecify.annotations.NullMarked;
