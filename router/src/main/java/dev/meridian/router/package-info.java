/** placeholder */
@NullMarked
package dev.meridian.router;

import org.jspecify.annotations.NullMarked;
