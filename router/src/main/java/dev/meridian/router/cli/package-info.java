/** The subcommands of the {@code meridian} command line that the router itself provides. */
@NullMarked
package dev.meridian.router.cli;

import org.jspecify.annotations.NullMarked;
