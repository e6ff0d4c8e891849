/** placeholder */
@NullMarked
package dev.meridian.loadtest;

import org.jspecify.annotations.NullMarked;
