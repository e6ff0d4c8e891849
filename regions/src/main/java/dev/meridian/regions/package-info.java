/** placeholder */
@NullMarked
package dev.meridian.regions;

import org.jspecify.annotations.NullMarked;
