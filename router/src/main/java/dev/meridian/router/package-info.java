/**
 * The router: {@link dev.meridian.router.MeridianServer} runs the data path, and
 * {@link dev.meridian.router.Main} is the command line.
 */
@NullMarked
package dev.meridian.router;

import org.jspecify.annotations.NullMarked;
