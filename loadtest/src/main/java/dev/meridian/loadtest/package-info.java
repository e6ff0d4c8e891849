/** Load testing, the simulated AI gateway and the demo; {@link dev.meridian.loadtest.LoadtestCommands} adds them to the command line. */
@NullMarked
package dev.meridian.loadtest;

import org.jspecify.annotations.NullMarked;
